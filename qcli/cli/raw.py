"""qcli raw: any API path, with qcli's auth, retries, errors and output (as `qlik raw`)."""

from __future__ import annotations

from dataclasses import dataclass

import typer

from qcli.cli.kit import application, command, new_typer
from qcli.cli.kit import options as opts
from qcli.cli.kit.fields import option, with_options
from qcli.errors import UsageError

app = new_typer("Send a request to any API path (relative to /api, e.g. v1/users/me).")


def _path(path: str) -> str:
    if "://" in path:
        raise UsageError("give a path such as v1/users/me, not a URL (the server comes from "
                         "the context or --server)")
    from urllib.parse import quote

    path = path.lstrip("/")
    if not path.startswith("api/") and not path.startswith("oauth/"):
        path = "api/" + path
    # keep what a path and query may hold; percent-encode the rest (spaces, control characters)
    return "/" + quote(path, safe="/?&=%:@,;+*!$'()~")


def _send(
    ctx: typer.Context, method: str, path: str, query: list[str] | None, body: str | None,
    body_file: str | None, output_file: str | None, *, yes: bool = True,
) -> None:
    from qcli.cli.inputs import parse_json, read_file_bytes
    from qcli.transfer.download import check_destination, save_response

    a = application(ctx)
    a.confirm_destructive(f"send {method} {_path(path)}", yes=yes)
    params: list[tuple[str, str]] = []
    for item in query or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"invalid --query {item!r}: expected K=V")
        params.append((key, value))
    if body is not None and body_file is not None:
        raise UsageError("give --body or --body-file, not both")
    content: bytes | None = None
    headers = {"Accept": "application/json, */*"}
    if body is not None:
        parse_json(body, "--body")
        content = body.encode()
        headers["Content-Type"] = "application/json"
    elif body_file is not None:
        content = read_file_bytes(body_file, a.io.in_binary())
        try:
            parse_json(content.decode("utf-8"), f"--body-file {body_file}")
            headers["Content-Type"] = "application/json"
        except (UsageError, UnicodeDecodeError):
            headers["Content-Type"] = "application/octet-stream"
    if output_file:
        check_destination(output_file)
    with a.http.download(method, _path(path), params=params or None, content=content,
                         headers=headers) as download:
        if output_file:
            save_response(download, output_file, a.io, path)
            return
        data = download.read()
    if not data:
        return
    if "json" in download.content_type:
        a.printer.item(parse_json(data.decode("utf-8"), "the response"))
    else:
        out = a.io.out_binary()
        out.write(data)
        out.flush()


QueryOpt = typer.Option(None, "--query", help="Query parameter K=V (repeatable)")
BodyOpt = typer.Option(None, "--body", help="JSON request body")
BodyFileOpt = typer.Option(None, "--body-file", help="Request body from a file ('-' for stdin)")
OutputFileOpt = typer.Option(None, "--output-file", help="Write the response body to a file")
PathArg = typer.Argument(..., help="API path, e.g. v1/extensions")


@dataclass
class Request:
    """What every raw verb takes; `body`/`body_file` only where the method sends a body."""

    path: str = option(PathArg)
    query: list[str] | None = option(QueryOpt)
    body: str | None = option(BodyOpt)
    body_file: str | None = option(BodyFileOpt)
    output_file: str | None = option(OutputFileOpt)


@dataclass
class BodylessRequest:
    path: str = option(PathArg)
    query: list[str] | None = option(QueryOpt)
    output_file: str | None = option(OutputFileOpt)


@dataclass
class Deletion:
    path: str = option(PathArg)
    query: list[str] | None = option(QueryOpt)
    output_file: str | None = option(OutputFileOpt)
    yes: bool = option(opts.Yes)  # DELETE asks first on a terminal


def _verb(method: str, structure: type, help: str) -> None:
    """`qcli raw <method>`: one request, as the options say."""

    def run(ctx: typer.Context, request: Request) -> None:
        _send(ctx, method, request.path, request.query, getattr(request, "body", None),
              getattr(request, "body_file", None), request.output_file,
              yes=getattr(request, "yes", True))

    run.__annotations__ = {"ctx": typer.Context, "request": structure, "return": None}
    command(app, method.lower(), help=help)(with_options(run))


_verb("GET", BodylessRequest, """GET a path.

\b
Examples:
  qcli raw get v1/users/me
  qcli raw get v1/data-files --query limit=5 --query sort=-modifiedDate""")
_verb("POST", Request, """POST to a path.

\b
Example:
  qcli raw post v1/data-stores --body-file store.json""")
_verb("PUT", Request, """PUT to a path.

\b
Example:
  qcli raw put v1/data-stores/ID --body-file store.json""")
_verb("PATCH", Request, """PATCH a path.

\b
Example:
  qcli raw patch v1/data-stores/ID --body '[{"op":"replace","path":"/name","value":"x"}]'""")
_verb("DELETE", Deletion, """DELETE a path. Asks first on a terminal; needs --yes otherwise.

\b
Example:
  qcli raw delete v1/extensions/my-chart --yes""")
