"""Import boundaries between the packages, as docs/architecture.md draws them."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "pixforge"

# package -> pixforge packages it may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "media": set(),
    "storage": set(),
    "store": {"domain"},
    "engines": {"domain", "media"},
    "queue": {"worker"},
    "worker": {"domain", "engines", "media", "metrics", "storage", "store"},
    "services": {"domain", "media", "queue", "storage", "store"},
    "api": {"config", "domain", "logs", "metrics", "services", "state"},
    "sdk": set(),
    "mcp": {"sdk"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _modules(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_import_directions(package: str) -> None:
    allowed = ALLOWED[package] | {package}
    for path in _modules(package):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "pixforge" or len(parts) < 2:
                continue
            assert parts[1] in allowed, f"{path.relative_to(SRC)} imports {name}"


def test_only_the_store_imports_sqlalchemy() -> None:
    for path in SRC.rglob("*.py"):
        if path.is_relative_to(SRC / "store"):
            continue
        for name in _imports(path):
            assert not name.startswith(("sqlalchemy", "alembic")), f"{path} imports {name}"


def test_domain_does_no_io() -> None:
    forbidden = ("os", "pathlib", "socket", "httpx", "sqlalchemy", "av", "PIL", "numpy")
    for path in _modules("domain"):
        for name in _imports(path):
            assert name.split(".")[0] not in forbidden, f"{path} imports {name}"


def test_wire_names_live_only_in_schemas() -> None:
    # The SDK and the MCP server are clients: speaking the wire format is their job.
    for path in SRC.rglob("*.py"):
        if any(path.is_relative_to(SRC / p) for p in ("api", "sdk", "mcp")):
            continue
        text = path.read_text()
        for wire_name in ("ErrCode", "outputWidth", "img_url"):
            if wire_name in text and path.name != "errors.py":
                pytest.fail(f"{path.relative_to(SRC)} uses the wire name {wire_name}")


def test_every_module_has_a_docstring() -> None:
    for path in SRC.rglob("*.py"):
        if path.name == "__init__.py" and not path.read_text().strip():
            continue
        if "versions" in path.parts:
            continue
        assert ast.get_docstring(ast.parse(path.read_text())), f"{path} has no docstring"


def _loaded_after_import(module: str) -> str:
    heavy = "{'fastapi', 'sqlalchemy', 'av', 'numpy', 'uvicorn', 'cv2', 'torch'}"
    code = f"import sys, {module}; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_importing_pixforge_loads_no_server_dependencies() -> None:
    assert _loaded_after_import("pixforge") == "[]"


def test_the_sdk_loads_no_server_dependencies() -> None:
    assert _loaded_after_import("pixforge.sdk") == "[]"
