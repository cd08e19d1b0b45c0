"""qlik-cli's contexts file, for `qcli context import`: read it, turn each context into a qcli
context plus the secret it holds, and take the plain-text keys out of it again.

The file (`~/.qlik/contexts.yml`, or `$QLIK_CLI_USER_HOME_DIR/.qlik/contexts.yml`) looks like

    current-context: prod
    contexts:
      prod:
        server: https://acme.eu.qlikcloud.com
        server-type: cloud
        headers:
          Authorization: Bearer <api key>
        comment: ...
      svc:
        server: https://acme.eu.qlikcloud.com
        oauth-client-id: ...
        oauth-client-secret: ...

An `api-key:` field is read too. Fields qcli has no use for are ignored (and named, never their
values). No message built here ever holds a secret: reasons name the field, not its value.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qcli.config.contexts import NAME_PATTERN, Context, normalize_server
from qcli.config.secrets import secret_problem
from qcli.errors import QcliError, UsageError

MAX_BYTES = 4 * 1024 * 1024  # a contexts file is a few KB; anything this big is not one
SENSITIVE_HEADERS = ("authorization", "cookie", "x-api-key", "x-qlik-session")
SECRET_FIELD = re.compile(r"key|secret|token|password", re.IGNORECASE)
KNOWN_FIELDS = {"server", "server-type", "headers", "api-key", "oauth-client-id",
                "oauth-client-secret", "comment", "insecure"}
API_KEY, OAUTH_SECRET = "api-key", "oauth-client-secret"  # as in qcli.config.settings


def default_path(env: dict[str, str]) -> Path:
    home = env.get("QLIK_CLI_USER_HOME_DIR")
    if home:
        base = Path(home).expanduser()
        nested = base / ".qlik" / "contexts.yml"
        return nested if nested.exists() or not (base / "contexts.yml").exists() \
            else base / "contexts.yml"
    return Path("~/.qlik/contexts.yml").expanduser()


@dataclass
class QlikCliFile:
    path: Path
    raw: bytes
    text: str
    doc: dict[str, Any]
    contexts: dict[str, Any]
    current: str | None


def read(path: Path) -> QlikCliFile:
    """The parsed file, or a UsageError (exit 2) of one line that never quotes the file."""
    try:
        if path.is_dir():
            raise UsageError(f"{path} is a folder, not qlik-cli's contexts file")
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"no qlik-cli contexts file at {path}",
                         hint="give its place with --from PATH") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise UsageError(f"{path} is too large to be qlik-cli's contexts file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text: not qlik-cli's contexts file") from None
    doc = _parse(path, text)
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise UsageError(f"{path}: expected a mapping with 'contexts' (qlik-cli's contexts file)")
    if doc and "contexts" not in doc:
        raise UsageError(f"{path} has no 'contexts': is it qlik-cli's contexts file?")
    contexts = doc.get("contexts") or {}
    if not isinstance(contexts, dict):
        raise UsageError(f"{path}: 'contexts' must be a mapping of names to contexts")
    current = doc.get("current-context")
    return QlikCliFile(path=path, raw=raw, text=text, doc=doc,
                       contexts={str(k): v for k, v in contexts.items()},
                       current=str(current) if isinstance(current, str) and current else None)


def _parse(path: Path, text: str) -> Any:
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:  # never str(exc): it quotes the line, which may hold a key
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise UsageError(f"{path}{where}: {problem}") from None
    except RecursionError:
        raise UsageError(f"{path}: nested too deeply to be qlik-cli's contexts file") from None


def secrets_of(data: QlikCliFile) -> list[str]:
    """Every value in the file that may be a secret: to be redacted from any message."""
    found: list[str] = []

    def walk(node: Any, key: str, depth: int) -> None:
        if depth > 20:
            return
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, str(k), depth + 1)
        elif isinstance(node, list):
            for v in node:
                walk(v, key, depth + 1)
        elif isinstance(node, str) and node.strip():
            value = node.strip()
            if key.lower() in SENSITIVE_HEADERS or SECRET_FIELD.search(key):
                scheme, sep, rest = value.partition(" ")
                found.append(rest.strip() if sep and scheme.lower() in ("bearer", "basic")
                             else value)

    walk(data.doc, "", 0)
    return [s for s in found if s]


# -- one context --------------------------------------------------------------------------------
@dataclass
class Candidate:
    """A qlik-cli context as qcli would import it; `problem` (fails) or `unsupported` (skipped)."""

    source: str
    name: str
    server: str | None = None
    context: Context | None = None
    kind: str | None = None  # API_KEY or OAUTH_SECRET
    secret: str | None = None
    key_fields: list[tuple[str, ...]] = field(default_factory=list)  # where the file holds it
    problem: str | None = None
    unsupported: str | None = None
    notes: list[str] = field(default_factory=list)


def qcli_name(name: str) -> str | None:
    """A qlik-cli context name as a qcli one: other characters become '-' (`me@cloud` ->
    `me-cloud`); None when nothing usable is left."""
    if NAME_PATTERN.match(name):
        return name
    converted = re.sub(r"[^A-Za-z0-9._-]+", "-", name).lstrip("._-")[:63]
    return converted if NAME_PATTERN.match(converted) else None


def candidate(source: str, entry: Any) -> Candidate:
    name = qcli_name(source)
    cand = Candidate(source=source, name=name or source)
    server_type = entry.get("server-type") if isinstance(entry, dict) else None
    if server_type not in (None, "") and str(server_type).strip().lower() != "cloud":
        assert isinstance(entry, dict)
        cand.unsupported = (f"server type {str(server_type)[:40]!r} is not supported: qcli works "
                            "with Qlik Cloud only")
        if isinstance(entry.get("server"), str):  # shown as given, less any user:password@
            from qcli.config.contexts import _without_userinfo

            cand.server = _without_userinfo(entry["server"].strip())[:200] or None
        return cand
    if name is None:
        cand.problem = ("its name cannot be a qcli context name (letters, digits, '.', '_', '-', "
                        "at most 63 characters)")
        return cand
    if name != source:
        cand.notes.append(f"renamed from {source!r}")
    if not isinstance(entry, dict):
        cand.problem = "it is not a mapping of settings"
        return cand
    raw_server = entry.get("server")
    if not isinstance(raw_server, str) or not raw_server.strip():
        cand.problem = "it has no server URL"
        return cand
    try:
        cand.server = normalize_server(raw_server)
    except UsageError as exc:
        cand.problem = exc.message
        return cand
    ctx = Context(name=name, server=cand.server)
    cand.context = ctx
    headers = entry.get("headers") or {}
    if not isinstance(headers, dict):
        cand.problem = "its 'headers' is not a mapping"
        return cand
    bearer: str | None = None
    from qcli.config.settings import parse_header

    for key, value in headers.items():
        hname = str(key).strip()
        if hname.lower() == "authorization":
            scheme, _, token = str(value or "").strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                cand.problem = "its Authorization header is not 'Bearer <API key>'"
                return cand
            bearer = token.strip()
            cand.key_fields.append(("headers", str(key)))
            continue
        try:
            hkey, hvalue = parse_header(f"{hname}: {'' if value is None else value}")
        except UsageError as exc:
            cand.problem = exc.message
            return cand
        ctx.headers[hkey] = hvalue
    api_key = entry.get("api-key")
    client_id = entry.get("oauth-client-id")
    client_secret = entry.get("oauth-client-secret")
    if client_id not in (None, ""):
        if not isinstance(client_id, str) or not isinstance(client_secret, str) \
                or not client_secret.strip():
            cand.problem = "it has an OAuth client ID but no OAuth client secret"
            return cand
        ctx.auth, ctx.oauth_client_id = "oauth", client_id.strip()
        cand.kind, cand.secret = OAUTH_SECRET, client_secret.strip()
        cand.key_fields.append(("oauth-client-secret",))
        if bearer is not None:  # qcli gets OAuth tokens itself: a static one would override them
            cand.notes.append("its Authorization header was left out (OAuth gets its own tokens)")
    else:
        if api_key not in (None, ""):
            if not isinstance(api_key, str):
                cand.problem = "its 'api-key' is not text"
                return cand
            if bearer is not None and bearer != api_key.strip():
                cand.problem = "its 'api-key' and its Authorization header hold different keys"
                return cand
            cand.key_fields.insert(0, ("api-key",))
            bearer = api_key.strip()
        if bearer is None:
            cand.problem = ("it has no API key ('api-key' or an 'Authorization: Bearer' header) "
                            "and no OAuth client")
            return cand
        cand.kind, cand.secret = API_KEY, bearer
    what = "API key" if cand.kind == API_KEY else "OAuth client secret"
    problem = secret_problem(cand.secret)
    if problem:
        cand.problem = f"its {what} contains {problem} (it must be one line of ASCII text)"
        return cand
    comment = entry.get("comment")
    if isinstance(comment, str) and comment.strip():
        ctx.comment = comment.strip()
    if isinstance(entry.get("insecure"), bool):
        ctx.insecure = entry["insecure"]
    ignored = sorted(str(k) for k in entry if str(k) not in KNOWN_FIELDS)
    if ignored:
        cand.notes.append("ignored: " + ", ".join(k[:40] for k in ignored[:10]))
    return cand


# -- taking the keys out of the file --------------------------------------------------------------
def without_keys(data: QlikCliFile, removals: dict[str, list[tuple[str, ...]]]) -> str:
    """The file's text with the given fields removed (a `headers:` left empty goes too), all
    else byte for byte (comments, order, quoting). Where the text cannot be cut safely (flow
    style, odd layouts) the document is written anew from its data: the same content, without
    the comments."""
    import yaml

    expected = copy.deepcopy(data.doc)
    for source, paths in removals.items():
        entry = expected["contexts"][_raw_key(data, source)]
        for path in paths:
            parent = entry
            for part in path[:-1]:
                parent = parent[part]
            parent.pop(path[-1], None)
            if len(path) > 1 and not parent:
                entry.pop(path[0], None)
    try:
        text = _cut(data, removals)
        if yaml.safe_load(text) == expected:
            return text
    except (_CannotCut, yaml.YAMLError, KeyError, IndexError):
        pass
    return yaml.safe_dump(expected, sort_keys=False, default_flow_style=False, allow_unicode=True)


class _CannotCut(Exception):
    pass


def _raw_key(data: QlikCliFile, source: str) -> Any:
    for key in data.doc["contexts"]:
        if str(key) == source:
            return key
    raise KeyError(source)


def _cut(data: QlikCliFile, removals: dict[str, list[tuple[str, ...]]]) -> str:
    import yaml

    root = yaml.compose(data.text)
    if not isinstance(root, yaml.MappingNode):
        raise _CannotCut
    contexts = _child(root, "contexts")
    spans: list[tuple[int, int]] = []
    for source, paths in removals.items():
        entry = _child(contexts, source)
        headers_gone = set()
        for path in paths:
            if len(path) == 2:
                parent = _child(entry, path[0])
                if len(parent.value) == sum(1 for p in paths if p[0] == path[0]):
                    if path[0] not in headers_gone:  # the whole mapping goes: cut its key too
                        headers_gone.add(path[0])
                        spans.append(_span(data.text, entry, _pair(entry, path[0])))
                    continue
                spans.append(_span(data.text, parent, _pair(parent, path[1])))
            else:
                spans.append(_span(data.text, entry, _pair(entry, path[0])))
    text = data.text
    last = len(text) + 1
    for start, end in sorted(spans, reverse=True):
        if end > last:
            raise _CannotCut
        text = text[:start] + text[end:]
        last = start
    return text


def _pair(mapping: Any, key: str) -> tuple[Any, Any]:
    import yaml

    if not isinstance(mapping, yaml.MappingNode):
        raise _CannotCut
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    raise _CannotCut


def _child(mapping: Any, key: str) -> Any:
    return _pair(mapping, key)[1]


def _end(node: Any) -> int:
    import yaml

    if isinstance(node, yaml.MappingNode) and node.value and not node.flow_style:
        return _end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and not node.flow_style:
        return _end(node.value[-1])
    return int(node.end_mark.index)


def _span(text: str, mapping: Any, pair: tuple[Any, Any]) -> tuple[int, int]:
    """The lines a `key: value` pair of a block mapping takes, newline included."""
    if mapping.flow_style:
        raise _CannotCut
    start = int(pair[0].start_mark.index)
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        raise _CannotCut  # something else on the key's line
    end = _end(pair[1])
    newline = text.find("\n", end)
    newline = len(text) if newline < 0 else newline + 1
    rest = text[end:newline].strip()
    if rest and not rest.startswith("#"):
        raise _CannotCut
    return line_start, newline


def write_back(data: QlikCliFile, text: str) -> None:
    """Replace the file atomically, keeping its mode; refused when it changed since it was read
    (qlik-cli may have written it meanwhile)."""
    import stat

    from qcli.config.atomic import write_private

    target = data.path.resolve()  # a symlink stays a symlink: its target is rewritten
    try:
        info = target.stat()
        now = target.read_bytes()
    except OSError as exc:
        raise QcliError(f"cannot read {data.path} again: {exc.strerror or exc}; "
                        "no key was removed from it") from None
    if now != data.raw:
        raise QcliError(f"{data.path} changed while qcli read it; no key was removed from it",
                        hint="run the import again")
    try:
        write_private(target, text.encode("utf-8"), mode=stat.S_IMODE(info.st_mode))
    except OSError as exc:
        raise QcliError(f"cannot rewrite {data.path}: {exc.strerror or exc}; "
                        "no key was removed from it") from None
