"""/docs works offline, GET / links the docs, and /openapi.json describes the real requests and
answers (bodies, API-KEY scheme, Ai-trace-id, envelopes, no 422); the checks keep their order."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import Api, make_settings, running_server

V2 = "/openapi/v2"
GENERATE_MODELS = {
    "/video/text/generate": "TextToVideoRequest",
    "/video/img/generate": "ImageToVideoRequest",
    "/video/transition/generate": "TransitionRequest",
    "/video/extend/generate": "ExtendRequest",
    "/video/lip_sync/generate": "LipSyncRequest",
    "/video/sound_effect/generate": "SoundEffectRequest",
    "/video/fusion/generate": "FusionRequest",
    "/video/restyle/generate": "RestyleRequest",
    "/video/multi_transition/generate": "MultiTransitionRequest",
    "/video/swap/generate": "SwapRequest",
    "/video/mimic/generate": "MimicRequest",
    "/image/template/generate": "ImageTemplateRequest",
    "/video/mask/selection": "MaskSelectionRequest",
}


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    response = api.http.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_docs_are_served_from_the_package(api: Api) -> None:
    page = api.http.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
    assert assets, page.text
    assert not [url for url in assets if "://" in url], "no asset may come from another host"
    for url in assets:
        asset = api.http.get(url)
        assert asset.status_code == 200, url
    script = api.http.get("/docs/assets/swagger-ui-bundle.js")
    assert len(script.content) > 500_000 and "javascript" in script.headers["content-type"]
    assert "/openapi.json" in page.text


def test_index_links_docs_openapi_and_health(api: Api) -> None:
    page = api.http.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for link in ("/docs", "/openapi.json", "/healthz"):
        assert f'href="{link}"' in page.text


def test_every_api_operation_has_the_key_scheme_and_trace_header(document: dict[str, Any]) -> None:
    assert document["components"]["securitySchemes"]["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "API-KEY",
        "description": "Your API key (PixVerse `API-KEY` header).",
    }
    api_operations = [op for path, _, op in _operations(document) if path.startswith(V2)]
    assert len(api_operations) == 23  # 22 before modify
    for operation in api_operations:
        assert operation["security"] == [{"ApiKey": []}], operation["operationId"]
        trace = [p for p in operation["parameters"] if p["name"] == "Ai-trace-id"]
        assert trace == [
            {
                "name": "Ai-trace-id",
                "in": "header",
                "required": True,
                "schema": {"type": "string", "format": "uuid"},
                "description": trace[0]["description"],
            }
        ], operation["operationId"]


def test_request_bodies_are_described(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for path, model in GENERATE_MODELS.items():
        body = document["paths"][V2 + path]["post"]["requestBody"]
        assert body["required"] is True
        assert body["content"] == {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{model}"}}
        }
        assert schemas[model]["type"] == "object" and schemas[model]["properties"], model
    assert schemas["TextToVideoRequest"]["required"] == ["model", "duration", "quality"]
    image_id = schemas["ImageToVideoRequest"]["properties"]["img_id"]["anyOf"][0]
    assert image_id == {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}
    fusion_refs = schemas["FusionRequest"]["properties"]["image_references"]["anyOf"][0]
    assert fusion_refs["items"] == {"$ref": "#/components/schemas/ImageReference"}
    for path, file_field, url_field in (
        ("/image/upload", "image", "image_url"),
        ("/media/upload", "file", "file_url"),
    ):
        content = document["paths"][V2 + path]["post"]["requestBody"]["content"]
        assert set(content) == {
            "multipart/form-data",
            "application/x-www-form-urlencoded",
            "application/json",
        }
        form = content["multipart/form-data"]["schema"]["properties"]
        assert form[file_field]["format"] == "binary" and url_field in form
        assert set(content["application/json"]["schema"]["properties"]) == {url_field}


def test_answers_are_envelopes_and_no_422(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    assert schemas["ErrorEnvelope"]["properties"]["Resp"]["type"] == "null"
    for path, method, operation in _operations(document):
        assert "422" not in operation["responses"], (path, method)
        if not path.startswith(V2):
            continue
        answer = operation["responses"]["200"]["content"]["application/json"]["schema"]
        refs = [choice["$ref"].rsplit("/", 1)[1] for choice in answer["anyOf"]]
        assert refs[1] == "ErrorEnvelope" and refs[0].startswith("Envelope_"), (path, refs)
        success = schemas[refs[0]]
        assert set(success["required"]) == {"ErrCode", "ErrMsg", "Resp"}
        assert success["properties"]["Resp"]["$ref"].startswith("#/components/schemas/")
        default = operation["responses"]["default"]["content"]["application/json"]["schema"]
        assert default == {"$ref": "#/components/schemas/ErrorEnvelope"}
    text_answer = document["paths"][f"{V2}/video/text/generate"]["post"]["responses"]["200"]
    assert "Envelope_VideoIdResponse_" in str(text_answer)
    swap_answer = document["paths"][f"{V2}/video/swap/generate"]["post"]["responses"]["200"]
    assert "Envelope_VideoCreditsResponse_" in str(swap_answer)


def test_optional_trace_id_is_documented_as_optional(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d", workers=0, trace_id_optional=True)
    with running_server(settings) as server:
        api = server.api(None)
        document = api.http.get("/openapi.json").json()
        api.close()
    operation = document["paths"][f"{V2}/account/balance"]["get"]
    assert [p["required"] for p in operation["parameters"] if p["name"] == "Ai-trace-id"] == [False]


def test_checks_keep_their_order(api: Api) -> None:
    """API key first (10001), then the trace id (400011), then the body (400013)."""
    path = f"{V2}/video/text/generate"
    broken = b"{not json"
    json_type = {"Content-Type": "application/json"}
    no_key = api.http.post(
        path, content=broken, headers={"Ai-trace-id": str(uuid.uuid4()), **json_type}
    )
    assert no_key.json()["ErrCode"] == 10001
    no_trace = api.http.post(
        path, content=broken, headers={"API-KEY": str(api.api_key), **json_type}
    )
    assert no_trace.json()["ErrCode"] == 400011
    bad_body = api.http.post(path, content=broken, headers=api.headers(**json_type))
    assert bad_body.json()["ErrCode"] == 400013
