"""The contract checker itself: it finds what breaks the spec, and excuses only the quirks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from contract.middleware import ContractMiddleware
from contract.quirks import QUIRKS
from contract.validator import Contract, Exchange

CONTRACT = Contract()
FILE_ID = "6f1c4a7e-2b1d-4c3e-9a8b-0c1d2e3f4a5b"
JSON = {"content-type": "application/json"}


def _ex(method: str, path: str, status: int, body: Any = None, *, query: str = "",
        request: Any = None, headers: dict[str, str] | None = None) -> Exchange:
    raw = b"" if body is None else json.dumps(body).encode()
    req = None if request is None else json.dumps(request).encode()
    return Exchange(method=method, path=path,
                    query=[tuple(p.split("=", 1)) for p in query.split("&") if p],  # type: ignore[misc]
                    headers={**JSON, **(headers or {})} if req else dict(headers or {}),
                    body=req if req is not None else b"", status=status,
                    response_headers=JSON if body is not None else {}, response_body=raw)


def _file(**changes: Any) -> dict[str, Any]:
    stats = dict.fromkeys(("aggregateAppScopedFileSize", "aggregateFileSize",
                           "aggregateInternalFileSize", "directAppScopedFileCount",
                           "directFileCount", "directFolderCount", "directInternalFileCount",
                           "totalAppScopedFileCount", "totalFileCount", "totalFolderCount",
                           "totalInternalFileCount"), 0)
    doc = {"id": FILE_ID, "name": "a.csv", "size": 3, "ownerId": "me",
           "createdDate": "2026-01-02T03:04:05.000Z", "actions": ["read"], "folderStats": stats,
           "spaceId": None, "appId": None}
    doc.update(changes)
    return doc


def test_a_conforming_answer_passes() -> None:
    assert CONTRACT.check(_ex("GET", f"/api/v1/data-files/{FILE_ID}", 200, _file())) == []


def test_a_missing_required_property_is_named_with_its_operation() -> None:
    doc = _file()
    del doc["actions"]
    found = CONTRACT.check(_ex("GET", f"/api/v1/data-files/{FILE_ID}", 200, doc))
    assert len(found) == 1
    assert "data-files GET /api/v1/data-files/{id}" in found[0]
    assert "'actions' is a required property" in found[0]


def test_enums_additional_properties_and_formats_are_enforced() -> None:
    bad = {"errors": [{"code": "DATAFILES-404", "title": "Not Found", "status": "404"}],
           "traceId": "x"}
    found = " ".join(CONTRACT.check(_ex("GET", f"/api/v1/data-files/{FILE_ID}", 404, bad)))
    assert "'DATAFILES-404' is not one of" in found
    assert "'status' was unexpected" in found and "'traceId' was unexpected" in found
    dated = _file(createdDate="yesterday")
    assert "is not a 'date-time'" in " ".join(
        CONTRACT.check(_ex("GET", f"/api/v1/data-files/{FILE_ID}", 200, dated)))


def test_an_undocumented_success_status_and_any_500_are_violations() -> None:
    assert CONTRACT.check(_ex("DELETE", f"/api/v1/data-files/{FILE_ID}", 200, _file()))
    assert CONTRACT.check(_ex("GET", "/api/v1/data-stores", 500, {"errors": []}))


def test_an_invalid_request_must_be_refused() -> None:
    path = f"/api/v1/data-files/{FILE_ID}/actions/change-owner"
    accepted = CONTRACT.check(_ex("POST", path, 204, request={"ownerId": []}))
    assert accepted and "and the emulator answered 204" in accepted[0]
    refused = _ex("POST", path, 400, {"errors": [{"code": "HTTP-400", "title": "Bad Request"}]},
                  request={"ownerId": []})
    assert CONTRACT.check(refused) == []


def test_empty_query_values_and_read_only_fields_in_requests() -> None:
    store = {"id": "s1", "type": "t", "technicalName": "tn", "version": 2}
    empty = CONTRACT.check(_ex("GET", "/api/v1/data-stores/s1", 200, store,
                               query="projections=&sort="))
    assert any("projections sent with an empty value" in v for v in empty)
    put = CONTRACT.check(_ex("PUT", "/api/v1/data-stores/s1", 200, store,
                             request={**store, "tenantId": "t"}))
    assert any("False schema does not allow 't'" in v for v in put)


def test_the_quirks_excuse_exactly_their_places() -> None:
    patch = [{"op": "replace", "path": "/name", "value": "a string"}]
    store = {"id": "s1", "type": "t", "technicalName": "tn"}
    assert CONTRACT.check(_ex("PATCH", "/api/v1/data-stores/s1", 200, store, request=patch)) == []
    assert {q.api for q in QUIRKS} <= set(CONTRACT.apis)
    raw = json.loads(Path(__file__).with_name("specs.json").read_text())
    raw["data-stores"]["components"]["schemas"]["JsonPatch"]["properties"].pop("value")
    try:
        Contract(raw)
    except KeyError as exc:
        assert "JsonPatch" in str(exc)
    else:
        raise AssertionError("a quirk for a place the spec no longer has must fail loudly")


def test_gateway_errors_get_the_common_envelope() -> None:
    ok = {"errors": [{"code": "HTTP-401", "title": "Unauthorized"}]}
    assert CONTRACT.check(_ex("GET", "/api/v1/extensions", 401, ok)) == []
    assert CONTRACT.check(_ex("GET", "/api/v1/extensions", 401, {"message": "no"}))


def test_the_middleware_logs_what_it_finds(tmp_path: Path) -> None:
    log = tmp_path / "violations.jsonl"

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        body = json.dumps({"data": "not a list"}).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/api/v1/extensions", "query_string": b"",
             "headers": []}
    asyncio.run(ContractMiddleware(app, str(log))(scope, receive, send))
    assert sent[0]["status"] == 200  # the exchange itself is untouched
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert lines and all("getExtensions" in v["violation"] for v in lines)


def test_a_file_path_inside_an_archive_may_span_segments() -> None:
    kind, op = CONTRACT.find("GET", "/api/v1/extensions/abc/file/lib/helper.js")
    assert kind == "op" and op is not None
    assert op.template == "/api/v1/extensions/{id}/file/{filepath}"
    assert op.path_params == {"id": "abc", "filepath": "lib/helper.js"}
    assert CONTRACT.find("GET", "/api/v1/extensions/a/b")[0] != "op"  # {id} stays one segment


def test_an_empty_file_is_a_body_but_no_body_is_not() -> None:
    def post(headers: dict[str, str]) -> list[str]:
        ex = Exchange(method="POST", path="/api/v1/temp-contents",
                      query=[("filename", "e.csv")], headers=headers, body=b"", status=201,
                      response_headers={"location": "/api/v1/temp-contents/x"}, response_body=b"")
        return CONTRACT.check(ex)

    assert not any("body is required" in v
                   for v in post({"content-type": "application/octet-stream"}))
    assert any("body is required" in v for v in post({}))
