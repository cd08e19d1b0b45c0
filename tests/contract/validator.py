"""Check one HTTP exchange against the spec digest (tests/contract/specs.json) plus the quirks.

What is checked, per operation of the six APIs:
- request: path parameters, query parameters (type, enum, bounds; no empty value unless the
  spec allows it), required header parameters, the body's media type and, for JSON and the
  JSON parts of multipart bodies, its schema (read-only properties must not be sent);
- response: the status is documented for the operation (or is one of the transport-level
  errors any server may answer: 401, 404 for an unknown route, 405, 429, 503; those are checked
  against the API's error schema); the media type is one the spec lists; a JSON body matches
  the schema (OpenAPI 3.0 nullable, readOnly/writeOnly, and the formats date-time, date, uuid,
  int32 and int64 are enforced); a status documented without content has no body.

A request the spec forbids is the client's error, and a server must refuse it: so an invalid
request is a violation when the emulator accepted it (a 2xx/3xx answer); refused with a 4xx, it
is not (qcli passes on what a user typed, and the fuzz tests type anything). A test that
deliberately sends a malformed request must get a 4xx.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import FormatChecker

from contract.quirks import DELETE, OUTSIDE, QUIRKS, REST_OF_PATH, SUBSET_PARAMS

DIGEST = Path(__file__).with_name("specs.json")
# answered by the gateway in front of every API (auth, method routing, rate limits), not by
# the API's service: checked against the common errors envelope, not the API's error schema
GATEWAY_ERRORS = {401, 405, 429}
GATEWAY_ENVELOPE = {"type": "object", "required": ["errors"], "properties": {"errors": {
    "type": "array", "minItems": 1, "items": {"type": "object", "required": ["code", "title"],
                                              "properties": {"code": {"type": "string"},
                                                             "title": {"type": "string"}}}}}}

FORMATS = FormatChecker(formats=())
DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", re.I)
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(DATE_TIME.match(value))


@FORMATS.checks("date")
def _date(value: object) -> bool:
    return not isinstance(value, str) or bool(DATE.match(value))


@FORMATS.checks("uuid")
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(UUID.match(value))


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int) or -(2**31) <= value < 2**31


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int) or -(2**63) <= value < 2**63


@dataclass
class Exchange:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes | None  # None: not (fully) read by the handler
    status: int
    response_headers: dict[str, str]
    response_body: bytes


@dataclass
class Operation:
    api: str
    method: str
    template: str
    spec: dict[str, Any]
    path_params: dict[str, str]

    @property
    def name(self) -> str:
        return self.spec.get("operationId") or f"{self.method.upper()} {self.template}"


def _pointer_parts(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def apply_quirks(digest: dict[str, Any]) -> dict[str, Any]:
    patched = copy.deepcopy(digest)
    for quirk in QUIRKS:
        node = patched[quirk.api]
        *parents, last = _pointer_parts(quirk.pointer)
        for part in parents:
            node = node[part]  # a quirk whose place has gone from the spec fails loudly here
        if (last in node) == quirk.adds:
            raise KeyError(f"quirk {quirk.api}{quirk.pointer}: the spec has changed there")
        if quirk.value is DELETE:
            del node[last]
        else:
            node[last] = copy.deepcopy(quirk.value)
    return patched


def _to_json_schema(node: Any, mode: str) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema (2020-12) for `mode` 'request' or 'response'."""
    if isinstance(node, list):
        return [_to_json_schema(v, mode) for v in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    hidden = "readOnly" if mode == "request" else "writeOnly"
    for key, value in node.items():
        if key in ("nullable", "readOnly", "writeOnly", "discriminator", "xml", "default"):
            continue
        if key == "$ref":
            out["$ref"] = value
        elif key == "properties":
            props = {}
            for name, sub in value.items():
                props[name] = False if isinstance(sub, dict) and sub.get(hidden) else \
                    _to_json_schema(sub, mode)
            out["properties"] = props
        elif key == "required" and isinstance(value, list):
            props = node.get("properties", {})
            out["required"] = [r for r in value
                               if not (isinstance(props.get(r), dict) and props[r].get(hidden))]
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _to_json_schema(value, mode)
        elif key in ("allOf", "oneOf", "anyOf"):
            out[key] = [_to_json_schema(v, mode) for v in value]
        elif key == "format" and value == "binary":
            continue
        else:
            out[key] = value
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _param_pattern(match: re.Match[str]) -> str:
    """A path parameter matches one segment; one named in REST_OF_PATH, all that is left."""
    return "(.+)" if match.group(1) in REST_OF_PATH else "([^/]+)"


class Contract:
    def __init__(self, digest: dict[str, Any] | None = None):
        raw = digest if digest is not None else json.loads(DIGEST.read_text(encoding="utf-8"))
        self.apis = apply_quirks(raw)
        self.routes: list[tuple[re.Pattern[str], str, str, int]] = []
        for api, doc in self.apis.items():
            for template in doc["paths"]:
                regex = "^" + re.sub(r"\{([^}]+)\}", _param_pattern, re.escape(template).replace(
                    r"\{", "{").replace(r"\}", "}")) + "$"
                self.routes.append((re.compile(regex), api, template, template.count("{")))
        self.routes.sort(key=lambda r: r[3])  # literal segments win over parameters
        self.outside = [(m, re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", t) + "$"))
                        for m, t, _ in OUTSIDE]
        self._schemas: dict[tuple[str, str], dict[str, Any]] = {}

    # -- finding the operation ---------------------------------------------------------------
    def find(self, method: str, path: str) -> tuple[str, Operation | None]:
        """('op', operation), ('outside', None), ('no-path', None) or ('no-method', None)."""
        if any(m == method.upper() and rx.match(path) for m, rx in self.outside):
            return "outside", None
        for regex, api, template, _ in self.routes:
            match = regex.match(path)
            if not match:
                continue
            item = self.apis[api]["paths"][template]
            op = item.get(method.lower())
            if op is None:
                continue
            names = re.findall(r"\{([^}]+)\}", template)
            params = list(item.get("parameters", [])) + list(op.get("parameters", []))
            spec = dict(op, parameters=params)
            return "op", Operation(api, method, template, spec, dict(zip(names, match.groups(),
                                                                         strict=True)))
        if any(regex.match(path) for regex, *_ in self.routes):
            return "no-method", None
        return "no-path", None

    def covers(self, path: str) -> bool:
        """Whether the path is under one of the specs' APIs."""
        return any(path == p or path.startswith(p + "/") for p in (
            "/api/v1/data-files", "/api/v1/data-stores", "/api/v1/data-assets", "/api/v1/data-sets",
            "/api/v1/extensions", "/api/v1/temp-contents"))

    # -- schemas ------------------------------------------------------------------------------
    def _validator(self, api: str, schema: dict[str, Any], mode: str) -> Any:
        key = (api, mode)
        if key not in self._schemas:
            comps = self.apis[api].get("components", {})
            self._schemas[key] = {"schemas": {
                name: _to_json_schema(sub, mode) for name, sub in comps.get("schemas", {}).items()}}
        root = {"allOf": [_to_json_schema(schema, mode)], "components": self._schemas[key]}
        return jsonschema.Draft202012Validator(root, format_checker=FORMATS)

    def schema_errors(self, api: str, schema: dict[str, Any], value: Any, mode: str,
                      skip_required: bool = False) -> list[str]:
        errors = sorted((e for e in self._validator(api, schema, mode).iter_errors(value)
                         if not (skip_required and e.validator == "required")),
                        key=lambda e: list(e.absolute_path))
        out = []
        for err in errors[:5]:
            where = "/".join(str(p) for p in err.absolute_path) or "(root)"
            out.append(f"{where}: {err.message[:200]}")
        return out

    # -- the checks ---------------------------------------------------------------------------
    def check(self, ex: Exchange) -> list[str]:
        """The rules this exchange breaks (empty when it keeps the contract)."""
        if not self.covers(ex.path):
            return []
        kind, op = self.find(ex.method, ex.path)
        if kind == "outside":
            return []
        if op is None:
            if ex.status in (404, 405):
                return []  # refused: the emulator does not serve what the spec does not have
            return [f"{ex.method} {ex.path}: answered {ex.status} to an operation no spec "
                    "documents"]
        problems = [f"request: {p}" for p in self.check_request(op, ex)]
        if problems and 400 <= ex.status < 500:
            problems = []  # a malformed request, refused as it should be
        elif problems:
            problems = [f"{p} (and the emulator answered {ex.status})" for p in problems]
        problems += [f"response {ex.status}: {p}" for p in self.check_response(op, ex)]
        return [f"{op.api} {op.name} ({ex.method} {ex.path}): {p}" for p in problems]

    def _param_value(self, param: dict[str, Any], raw: list[str]) -> tuple[Any, str | None]:
        schema = param.get("schema", {})
        kind = schema.get("type")
        if kind == "array":
            explode = param.get("explode", param.get("style", "form") == "form")
            values = raw if explode else [v for r in raw for v in r.split(",")]
            item_type = schema.get("items", {}).get("type")
            out = []
            for v in values:
                got, err = self._scalar(item_type, v)
                if err:
                    return None, err
                out.append(got)
            return out, None
        if len(raw) > 1:
            return None, f"given {len(raw)} times"
        return self._scalar(kind, raw[0])

    @staticmethod
    def _scalar(kind: str | None, value: str) -> tuple[Any, str | None]:
        if kind == "integer":
            if not re.fullmatch(r"-?\d+", value):
                return None, f"{value!r} is not an integer"
            return int(value), None
        if kind == "number":
            try:
                return float(value), None
            except ValueError:
                return None, f"{value!r} is not a number"
        if kind == "boolean":
            if value not in ("true", "false"):
                return None, f"{value!r} is not true or false"
            return value == "true", None
        return value, None

    def check_request(self, op: Operation, ex: Exchange) -> list[str]:
        problems: list[str] = []
        query: dict[str, list[str]] = {}
        for k, v in ex.query:
            query.setdefault(k, []).append(v)
        for param in op.spec.get("parameters", []):
            name, where = param["name"], param["in"]
            if where == "path":
                raw = [op.path_params.get(name, "")]
            elif where == "query":
                if name not in query:
                    if param.get("required"):
                        problems.append(f"query parameter {name} is required")
                    continue
                raw = query[name]
                if any(v == "" for v in raw) and not param.get("allowEmptyValue"):
                    problems.append(f"query parameter {name} sent with an empty value")
                    continue
            elif where == "header":
                if name.lower() not in ex.headers:
                    if param.get("required"):
                        problems.append(f"header {name} is required")
                    continue
                raw = [ex.headers[name.lower()]]
            else:
                continue
            value, err = self._param_value(param, raw)
            if err:
                problems.append(f"{where} parameter {name}: {err}")
                continue
            for e in self.schema_errors(op.api, param.get("schema", {}), value, "request"):
                problems.append(f"{where} parameter {name}: {e}")
        problems += self._check_request_body(op, ex)
        return problems

    def _check_request_body(self, op: Operation, ex: Exchange) -> list[str]:
        body_spec = op.spec.get("requestBody")
        has_body = ex.body is None or len(ex.body) > 0 or int(
            ex.headers.get("content-length", "0") or 0) > 0
        if body_spec is None:
            return []
        if not has_body and _is_octets(ex.headers.get("content-type", ""), body_spec):
            has_body = True  # the bytes of an empty file: a body of length zero, sent as such
        if not has_body:
            return ["a body is required"] if body_spec.get("required") else []
        ctype = ex.headers.get("content-type", "")
        media = _media(ctype, body_spec.get("content", {}))
        if media is None:
            return [f"content type {ctype or '(none)'!r} is not one of "
                    f"{', '.join(body_spec.get('content', {}))}"]
        schema = body_spec["content"][media].get("schema")
        if schema is None or ex.body is None:
            return []
        if media == "application/json":
            try:
                value = json.loads(ex.body)
            except ValueError:
                return ["the body is not valid JSON"]
            return self.schema_errors(op.api, schema, value, "request")
        if media == "multipart/form-data":
            return self._check_multipart(op, ex, body_spec["content"][media], schema)
        return []

    def _check_multipart(self, op: Operation, ex: Exchange, media: dict[str, Any],
                         schema: dict[str, Any]) -> list[str]:
        parts = parse_multipart(ex.headers.get("content-type", ""), ex.body or b"")
        if parts is None:
            return ["the multipart body cannot be parsed"]
        resolved = self._resolve(op.api, schema)
        props = resolved.get("properties", {})
        problems = []
        value: dict[str, Any] = {}
        for name, (_filename, content) in parts.items():
            prop = self._resolve(op.api, props.get(name, {}))
            if name not in props:
                if resolved.get("additionalProperties") is False:
                    problems.append(f"unexpected part {name!r}")
                continue
            if prop.get("type") == "object" or "$ref" in props.get(name, {}):
                try:
                    value[name] = json.loads(content)
                except ValueError:
                    problems.append(f"part {name!r} is not valid JSON")
                    value[name] = None
            else:
                value[name] = "(bytes)"
        for err in self.schema_errors(op.api, schema, value, "request"):
            problems.append(f"multipart {err}")
        return problems

    def _resolve(self, api: str, schema: dict[str, Any]) -> dict[str, Any]:
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        return self._deref(api, ref) if ref else schema

    def _deref(self, api: str, ref: str) -> dict[str, Any]:
        node: Any = self.apis[api]
        for part in _pointer_parts(ref[1:]):
            node = node[part]
        return self._resolve(api, node) if "$ref" in node else node

    def _error_schema(self, op: Operation) -> dict[str, Any] | None:
        responses = op.spec.get("responses", {})
        for status in ("default", "400", "404", "403", "409"):
            content = responses.get(status, {}).get("content", {})
            if "application/json" in content:
                return content["application/json"].get("schema")
        return None

    def _check_gateway_error(self, ex: Exchange) -> list[str]:
        if not _is_json(ex.response_headers.get("content-type", "")):
            return ["not a JSON errors envelope"]
        try:
            value = json.loads(ex.response_body)
        except ValueError:
            return ["the body is not valid JSON"]
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}"
                for e in jsonschema.Draft202012Validator(GATEWAY_ENVELOPE).iter_errors(value)]

    def check_response(self, op: Operation, ex: Exchange) -> list[str]:
        responses = op.spec.get("responses", {})
        if ex.status >= 500 and ex.status != 501:
            return ["the emulator failed (a 5xx it was not asked to play)"]
        spec = responses.get(str(ex.status))
        if ex.status in GATEWAY_ERRORS and spec is None:
            return self._check_gateway_error(ex)
        if spec is None and ex.status >= 400:
            spec = responses.get("default")
            if spec is None:  # undocumented error statuses may happen; the envelope may not vary
                schema = self._error_schema(op)
                spec = {"content": {"application/json": {"schema": schema}}} if schema else {}
        if spec is None:
            return [f"status {ex.status} is not documented (documented: "
                    f"{', '.join(responses)})"]
        content = spec.get("content", {})
        body = ex.response_body
        if ex.method.upper() == "HEAD":
            return []
        if not content:
            return [f"a body ({len(body)} bytes) where the spec documents none"] if body else []
        ctype = ex.response_headers.get("content-type", "")
        media = _media(ctype, content)
        if media is None:
            return [f"content type {ctype or '(none)'!r} is not one of {', '.join(content)}"]
        schema = content[media].get("schema")
        if schema is None or not _is_json(ctype):
            return []
        try:
            value = json.loads(body)
        except ValueError:
            return ["the body is not valid JSON"]
        subset = any(k in SUBSET_PARAMS and v for k, v in ex.query)
        return self.schema_errors(op.api, schema, value, "response", skip_required=subset)


def _is_json(ctype: str) -> bool:
    base = ctype.split(";")[0].strip().lower()
    return base == "application/json" or base.endswith("+json")


def _is_octets(ctype: str, body_spec: dict[str, Any]) -> bool:
    media = _media(ctype, body_spec.get("content", {}))
    return media is not None and ctype.split(";")[0].strip().lower() == "application/octet-stream"


def _media(ctype: str, content: dict[str, Any]) -> str | None:
    base = ctype.split(";")[0].strip().lower()
    for media in content:
        if media == base or media == "*/*":
            return media
        major, _, minor = media.partition("/")
        if minor == "*" and base.startswith(major + "/"):
            return media
    return None


def parse_multipart(ctype: str, body: bytes) -> dict[str, tuple[str | None, bytes]] | None:
    """{part name: (filename, content)}; None when the body is not multipart at all."""
    if not ctype.lower().startswith("multipart/form-data"):
        return None
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode("latin-1") + b"\r\n\r\n" + body)
    if not msg.is_multipart():
        return None
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        parts[str(name)] = (part.get_filename(), payload)
    return parts


def iter_violations(lines: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for line in lines:
        line = line.strip()
        if line:
            out.append(json.loads(line))
    return out
