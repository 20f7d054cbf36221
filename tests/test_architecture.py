"""Import boundaries between the packages, as docs/architecture.md draws them."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "pixforge"

# package -> pixforge packages it may import (itself always allowed).
ALLOWED: dict[str, set[str]] = {
    "values": set(),
    "assets": set(),
    "domain": {"values"},
    "media": set(),
    "storage": set(),
    "store": {"domain"},
    "lifecycle": {"domain", "storage", "store"},
    "engines": {"domain", "media"},
    "queue": {"worker"},
    "worker": {"domain", "engines", "lifecycle", "media", "metrics", "storage", "store"},
    "services": {"assets", "domain", "lifecycle", "media", "queue", "storage", "store"},
    "api": {"config", "containers", "domain", "logs", "metrics", "services"},
    "sdk": {"values"},
    "mcp": {"sdk", "values"},
    "console": {"api", "config", "containers", "domain", "services", "store", "values"},
}


@functools.cache
def _tree(path: Path) -> ast.Module:
    """Each module parsed once per test process (the tests walk the same files again and again)."""
    return ast.parse(path.read_text())


@functools.cache
def _imports(path: Path) -> frozenset[str]:
    tree = _tree(path)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return frozenset(found)


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


def test_services_see_only_the_dispatcher_protocol() -> None:
    """The API side knows how to ring the doorbell, not who answers it."""
    for path in _modules("services"):
        for name in _imports(path):
            if name.startswith("pixforge.queue"):
                assert name == "pixforge.queue.base", f"{path.relative_to(SRC)} imports {name}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def test_engines_have_no_import_cycle_and_know_no_other_engine() -> None:
    graph: dict[str, set[str]] = {}
    for path in _modules("engines"):
        module = _module_name(path)
        graph[module] = {
            name
            for name in _imports(path)
            if name.startswith("pixforge.engines") and name != module
        }
    for module, imported in graph.items():
        for engine in ("preview", "diffusers"):
            other = {"preview": "diffusers", "diffusers": "preview"}[engine]
            if module.startswith(f"pixforge.engines.{engine}"):
                assert not any(i.startswith(f"pixforge.engines.{other}") for i in imported), module
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> None:
        if module in done:
            return
        assert module not in visiting, f"import cycle: {' -> '.join([*trail, module])}"
        visiting.add(module)
        for target in graph.get(module, ()):
            if target in graph:
                visit(target, [*trail, module])
        visiting.discard(module)
        done.add(module)

    for module in graph:
        visit(module, [])


def test_an_api_process_loads_no_engine() -> None:
    """The routes and the API container run without any engine (the Celery API replicas)."""
    code = (
        "import sys, pixforge.app, pixforge.containers.api; "
        "print(sorted(m for m in sys.modules if m.startswith(('pixforge.engines', "
        "'pixforge.worker.runner', 'pixforge.queue.embedded'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_app_loads_no_scale_out_dependency() -> None:
    """`make serve` needs no extra: importing the app and building the default server loads
    neither Celery, kombu, redis nor boto3 (they are imported only when selected)."""
    code = (
        "import sys, tempfile, pathlib, pixforge.app; "
        "from pixforge.config import Settings; "
        "from pixforge.containers.server import build_server; "
        "build_server(Settings(data_dir=pathlib.Path(tempfile.mkdtemp()), workers=0)); "
        "print(sorted(m for m in ('celery', 'kombu', 'redis', 'boto3', 'botocore', 'limits') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


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
        assert ast.get_docstring(_tree(path)), f"{path} has no docstring"


def _loaded_after_import(module: str) -> str:
    heavy = "{'fastapi', 'sqlalchemy', 'av', 'numpy', 'uvicorn', 'cv2', 'torch'}"
    code = f"import sys, {module}; print(sorted({heavy} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_importing_pixforge_loads_no_server_dependencies() -> None:
    assert _loaded_after_import("pixforge") == "[]"


def test_the_sdk_loads_no_server_dependencies() -> None:
    assert _loaded_after_import("pixforge.sdk") == "[]"
