"""The contract checker itself: it finds what breaks the spec, and excuses only the quirks."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
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


def _through_middleware(log: Path, method: str, path: str, request: bytes, status: int,
                        answer: Any, headers: list[tuple[bytes, bytes]] | None = None) -> Any:
    """One exchange with an invented app behind the middleware; the first message it sent."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        body = b"" if answer is None else json.dumps(answer).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")] if body else []})
        await send({"type": "http.response.body", "body": body})

    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": request, "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": b"",
             "headers": headers or []}
    asyncio.run(ContractMiddleware(app, str(log))(scope, receive, send))
    return sent[0]


def _logged(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_the_middleware_logs_a_bad_response_naming_operation_and_rule(tmp_path: Path) -> None:
    log = tmp_path / "violations.jsonl"
    start = _through_middleware(log, "GET", "/api/v1/extensions", b"", 200, {"data": "not a list"})
    assert start["status"] == 200  # the exchange itself is untouched
    [line] = _logged(log)
    assert line["violation"] == ("extensions getExtensions (GET /api/v1/extensions): response 200: "
                                 "data: 'not a list' is not of type 'array'")
    assert (line["method"], line["path"]) == ("GET", "/api/v1/extensions")


def test_the_middleware_logs_a_bad_request_the_server_accepted(tmp_path: Path) -> None:
    log = tmp_path / "violations.jsonl"
    path = f"/api/v1/data-files/{FILE_ID}/actions/change-owner"
    json_body = [(b"content-type", b"application/json")]
    _through_middleware(log, "POST", path, b'{"ownerId": []}', 204, None, json_body)
    [line] = _logged(log)
    assert line["violation"].startswith(f"data-files POST /api/v1/data-files/{{id}}/actions/"
                                        f"change-owner (POST {path}): request: ")
    assert "ownerId: [] is not of type 'string' (and the emulator answered 204)" in line["violation"]
    # the same request refused with the errors envelope breaks no rule
    refused = tmp_path / "refused.jsonl"
    _through_middleware(refused, "POST", path, b'{"ownerId": []}', 400,
                        {"errors": [{"code": "HTTP-400", "title": "Bad Request"}]}, json_body)
    assert _logged(refused) == []


INVENTED_TEST = """
import conftest
from contract.test_validator import _through_middleware

def test_invented() -> None:
    _through_middleware(conftest.CONTRACT_LOG, "GET", "/api/v1/data-stores", b"", 200,
                        {"data": [{"id": "s1"}]})
"""


def test_a_violation_fails_the_test_during_which_it_happened(tmp_path: Path) -> None:
    """conftest turns a logged violation into the failure of the running test and the session."""
    (tmp_path / "test_invented.py").write_text(INVENTED_TEST)
    tests = Path(__file__).parents[1]
    env = {k: v for k, v in os.environ.items() if k != "QCLI_CONTRACT"}
    env["PYTHONPATH"] = os.pathsep.join([str(tests), str(tests.parent)])
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "conftest", "-p",
                          "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stdout
    assert "1 passed, 1 error" in run.stdout, run.stdout
    assert "the emulator broke the API contract" in run.stdout
    assert ("data-stores getDataStores (GET /api/v1/data-stores): response 200: data/0: "
            "'technicalName' is a required property") in run.stdout
    assert "ERROR at teardown of test_invented" in run.stdout  # that test, not a later one
    assert "= 2 API contract violations =" in run.stdout  # and the session's summary lists them


def test_a_file_path_inside_an_extension_may_hold_slashes() -> None:
    """@qlik/api sends downloadFileFromExtension's filepath unencoded: `lib/helper.js`."""
    ex = Exchange(method="GET", path="/api/v1/extensions/e1/file/my-chart/lib/helper.js",
                  query=[], headers={}, body=b"", status=200,
                  response_headers={"content-type": "text/javascript"},
                  response_body=b"// helper\n")
    assert CONTRACT.check(ex) == []
    kind, op = CONTRACT.find("GET", ex.path)
    assert kind == "op" and op is not None
    assert op.path_params == {"id": "e1", "filepath": "my-chart/lib/helper.js"}
    _, whole = CONTRACT.find("GET", "/api/v1/extensions/e1/file")
    assert whole is not None and whole.template == "/api/v1/extensions/{id}/file"


def _files_page(**query: str) -> Exchange:
    page = {"data": [_file()], "links": {"next": {"href": None}, "prev": {"href": None},
                                          "self": {"href": None}}}
    return _ex("GET", "/api/v1/data-files", 200, page, query="&".join(f"{k}={v}" for k, v in
                                                                       query.items()))


def test_query_parameters_types_enums_and_bounds_when_accepted() -> None:
    assert CONTRACT.check(_files_page(limit="5", sort="-name", includeFolders="true")) == []
    for query, rule in ((dict(limit="0"), "query parameter limit: (root): 0 is less than the minimum of 1"),
                        (dict(limit="1001"), "1001 is greater than the maximum of 1000"),
                        (dict(limit="ten"), "query parameter limit: 'ten' is not an integer"),
                        (dict(sort="createdDate"), "query parameter sort: (root): 'createdDate' is not one"),
                        (dict(includeFolders="yes"), "'yes' is not true or false")):
        found = CONTRACT.check(_files_page(**query))
        assert len(found) == 1 and found[0].startswith(
            "data-files GET /api/v1/data-files (GET /api/v1/data-files): request: "), found
        assert rule in found[0] and found[0].endswith("(and the emulator answered 200)"), found


def test_the_json_part_of_a_multipart_body_is_checked() -> None:
    def post(model: Any, status: int, answer: Any) -> list[str]:
        boundary = "b0undary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"Json\"\r\n"
                f"Content-Type: application/json\r\n\r\n{json.dumps(model)}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"File\"; "
                f"filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\n\r\n--{boundary}--\r\n")
        return CONTRACT.check(Exchange(
            method="POST", path="/api/v1/data-files", query=[],
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
            body=body.encode(), status=status, response_headers=JSON,
            response_body=json.dumps(answer).encode()))

    assert post({"name": "a.csv"}, 201, _file()) == []
    found = post({"name": 5}, 201, _file())
    assert len(found) == 1 and "request: multipart Json/name: 5 is not of type 'string'" in found[0]
    assert post({"name": 5}, 400, {"errors": [{"code": "HTTP-400", "title": "Bad Request"}]}) == []


def test_the_media_type_of_an_answer_is_checked() -> None:
    ex = _ex("GET", f"/api/v1/data-files/{FILE_ID}", 200, _file())
    ex.response_headers = {"content-type": "text/plain"}
    [found] = CONTRACT.check(ex)
    assert found.endswith("response 200: content type 'text/plain' is not one of application/json")


def test_nullable_uuid_and_int64_in_answers() -> None:
    get = f"/api/v1/data-files/{FILE_ID}"
    assert CONTRACT.check(_ex("GET", get, 200, _file(spaceId=None, appId=None))) == []
    for bad, rule in ((_file(name=None), "name: None is not of type 'string'"),
                      (_file(id="file-1"), "id: 'file-1' is not a 'uuid'"),
                      (_file(size=2**63), "size: 9223372036854775808 is not a 'int64'")):
        found = CONTRACT.check(_ex("GET", get, 200, bad))
        assert len(found) == 1 and rule in found[0], found


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
