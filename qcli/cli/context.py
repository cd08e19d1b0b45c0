"""qcli context: saved tenants. Secrets go to the OS keyring (or a 0600 file where none exists)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from qcli.cli.completers import complete_context
from qcli.cli.kit import application, command, new_typer
from qcli.errors import UsageError

if TYPE_CHECKING:
    from qcli.app import Application
    from qcli.config.contexts import Context, ContextFile

app = new_typer("Manage contexts: saved tenants and their credentials.")

COLUMNS = [("NAME", "name"), ("CURRENT", "current"), ("SERVER", "server"), ("AUTH", "auth"),
           ("COMMENT", "comment")]

NameArg = typer.Argument(..., help="Context name", autocompletion=complete_context)
CurrentNameArg = typer.Argument(None, help="Context name (default: the current one)",
                                autocompletion=complete_context)
ServerOpt = typer.Option(None, "-s", "--server", help="Tenant URL, e.g. https://acme.eu.qlikcloud.com")
ApiKeyStdinOpt = typer.Option(False, "--api-key-stdin", help="Read the API key from stdin")
OauthIdOpt = typer.Option(None, "--oauth-client-id", help="OAuth2 client ID (client credentials)")
OauthSecretStdinOpt = typer.Option(False, "--oauth-client-secret-stdin",
                                   help="Read the OAuth2 client secret from stdin")
CaCertOpt = typer.Option(None, "--ca-cert", help="Extra CA bundle for this tenant")
HeaderOpt = typer.Option(None, "-H", "--header", help="Header sent on every request, 'K: V' "
                         "(repeatable; 'K:' removes it on update)")
CommentOpt = typer.Option(None, "--comment", help="Free text shown by 'context ls'")


def _read_stdin_secret(a: Application, what: str) -> str:
    from qcli.config.secrets import check_secret

    secret = a.io.stdin.read().strip()
    if not secret:
        raise UsageError(f"no {what} on stdin")
    return check_secret(secret, what, "stdin")


def _obtain_secret(a: Application, what: str, from_stdin: bool, env_var: str | None) -> str:
    """stdin flag > environment > hidden prompt on a terminal; never a command-line value."""
    if from_stdin:
        return _read_stdin_secret(a, what)
    from qcli.config.secrets import check_secret

    if env_var and a.env.get(env_var, "").strip():
        return check_secret(a.env[env_var].strip(), what, env_var)
    if a.io.can_prompt:
        secret = a.io.read_secret(f"{what[0].upper()}{what[1:]}: ").strip()
        if secret:
            return check_secret(secret, what, "the prompt")
    flag = "--api-key-stdin" if what == "API key" else "--oauth-client-secret-stdin"
    hint = f"pass {flag}" + (f" or set {env_var}" if env_var else "")
    raise UsageError(f"no {what} given", hint=hint)


def _apply_headers(ctx: Context, headers: list[str] | None) -> None:
    from qcli.config.settings import parse_header

    for raw in headers or []:
        name, sep, value = raw.partition(":")
        if sep and not value.strip() and name.strip():
            ctx.headers.pop(name.strip(), None)
            continue
        key, val = parse_header(raw)
        ctx.headers[key] = val


def _check_ca(path: str | None) -> str | None:
    if path is None:
        return None
    from pathlib import Path

    p = Path(path).expanduser()
    if not p.is_file():
        raise UsageError(f"CA bundle not found: {path}")
    return str(p.resolve())


@command(app, "create")
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Name of the new context"),
    server: str = typer.Option(..., "-s", "--server", help="Tenant URL, e.g. "
                               "https://acme.eu.qlikcloud.com"),
    api_key_stdin: bool = ApiKeyStdinOpt,
    oauth_client_id: str | None = OauthIdOpt,
    oauth_client_secret_stdin: bool = OauthSecretStdinOpt,
    insecure: bool = typer.Option(False, "--insecure", help="Skip TLS verification for this tenant"),
    ca_cert: str | None = CaCertOpt,
    header: list[str] | None = HeaderOpt,
    comment: str | None = CommentOpt,
) -> None:
    """Create a context. The API key is read from a hidden prompt, --api-key-stdin or QCLI_API_KEY.

    The first context becomes the current one; after that, 'qcli context use NAME' switches.

    \b
    Examples:
      qcli context create prod --server https://acme.eu.qlikcloud.com
      printf %s "$KEY" | qcli context create ci --server acme.eu.qlikcloud.com --api-key-stdin
      qcli context create svc --server acme.eu.qlikcloud.com --oauth-client-id ID \\
          --oauth-client-secret-stdin < secret.txt
    """
    from qcli.config.contexts import Context, normalize_server, validate_name
    from qcli.config.settings import API_KEY, OAUTH_SECRET

    a = application(ctx)
    validate_name(name)
    if name in a.contexts.load().contexts:
        raise UsageError(f"context {name!r} already exists",
                         hint=f"use 'qcli context update {name}'")
    new = Context(name=name, server=normalize_server(server), insecure=insecure,
                  ca_cert=_check_ca(ca_cert), comment=comment)
    _apply_headers(new, header)
    if oauth_client_id:
        new.auth = "oauth"
        new.oauth_client_id = oauth_client_id
        secret = _obtain_secret(a, "OAuth client secret", oauth_client_secret_stdin, None)
        kind = OAUTH_SECRET
    else:
        if oauth_client_secret_stdin:
            raise UsageError("--oauth-client-secret-stdin needs --oauth-client-id")
        secret = _obtain_secret(a, "API key", api_key_stdin, "QCLI_API_KEY")
        kind = API_KEY
    # The secret is stored first: a context is never saved without the secret it names.
    new.credential_store = a.credentials.set(name, kind, secret)

    def change(data: ContextFile) -> bool:
        if name in data.contexts:
            raise UsageError(f"context {name!r} already exists")
        data.contexts[name] = new
        if data.current is None:
            data.current = name
            return True
        return False

    made_current = a.contexts.update(change)
    note = " and made it the current context" if made_current else ""
    a.say(f"Created context {name!r} for {new.server}{note}.")


@command(app, "update")
def update(
    ctx: typer.Context,
    name: str = NameArg,
    server: str | None = ServerOpt,
    api_key_stdin: bool = ApiKeyStdinOpt,
    oauth_client_id: str | None = OauthIdOpt,
    oauth_client_secret_stdin: bool = OauthSecretStdinOpt,
    insecure: bool | None = typer.Option(None, "--insecure/--no-insecure",
                                         help="Skip TLS verification for this tenant"),
    ca_cert: str | None = CaCertOpt,
    header: list[str] | None = HeaderOpt,
    comment: str | None = CommentOpt,
) -> None:
    """Change a context; only the options given change.

    \b
    Examples:
      qcli context update prod --comment "production tenant"
      printf %s "$NEW_KEY" | qcli context update prod --api-key-stdin
    """
    from qcli.config.contexts import normalize_server
    from qcli.config.settings import API_KEY, OAUTH_SECRET

    a = application(ctx)
    current = a.contexts.load().get(name)
    new_server = normalize_server(server) if server else None
    ca = _check_ca(ca_cert)
    secret: tuple[str, str] | None = None
    if oauth_client_id or oauth_client_secret_stdin:
        if not (oauth_client_id or current.auth == "oauth"):
            raise UsageError("--oauth-client-secret-stdin needs --oauth-client-id")
        if oauth_client_secret_stdin or current.auth != "oauth":
            secret = (OAUTH_SECRET, _obtain_secret(a, "OAuth client secret",
                                                   oauth_client_secret_stdin, None))
    elif api_key_stdin:
        secret = (API_KEY, _read_stdin_secret(a, "API key"))
    where = None
    if secret is not None:
        where = a.credentials.set(name, secret[0], secret[1])

    def change(data: ContextFile) -> None:
        c = data.get(name)
        if new_server:
            c.server = new_server
        if oauth_client_id:
            c.auth, c.oauth_client_id = "oauth", oauth_client_id
        elif secret is not None and secret[0] == API_KEY:
            c.auth, c.oauth_client_id = "api-key", None
        if where:
            c.credential_store = where
        if insecure is not None:
            c.insecure = insecure
        if ca is not None:
            c.ca_cert = ca
        if comment is not None:
            c.comment = comment or None
        _apply_headers(c, header)

    a.contexts.update(change)
    a.say(f"Updated context {name!r}.")


@command(app, "use")
def use(ctx: typer.Context, name: str = NameArg) -> None:
    """Make a context the current one.

    \b
    Example:
      qcli context use prod
    """
    a = application(ctx)

    def change(data: ContextFile) -> None:
        data.get(name)
        data.current = name

    a.contexts.update(change)
    a.say(f"Now using context {name!r}.")


def _views(a: Application) -> list[dict[str, object]]:
    from qcli.config.settings import API_KEY, OAUTH_SECRET

    data = a.contexts.load()
    views = []
    for name, c in sorted(data.contexts.items()):
        kind = OAUTH_SECRET if c.auth == "oauth" else API_KEY
        has = a.credentials.get(name, kind, c.credential_store) is not None
        views.append(c.public_view(current=name == data.current, has_secret=has))
    return views


@command(app, "ls")
def ls(ctx: typer.Context) -> None:
    """List contexts (secrets masked).

    \b
    Example:
      qcli context ls
    """
    a = application(ctx)
    a.printer.items(_views(a), columns=COLUMNS, id_key="name")


@command(app, "get")
def get(
    ctx: typer.Context,
    name: str | None = CurrentNameArg,
) -> None:
    """Show a context (secrets masked).

    \b
    Examples:
      qcli context get
      qcli context get prod -o yaml
    """
    a = application(ctx)
    data = a.contexts.load()
    wanted = name or a.options.context or a.env.get("QCLI_CONTEXT") or data.current
    if wanted is None:
        raise UsageError("no current context", hint="run 'qcli context use NAME'")
    data.get(wanted)
    view = next(v for v in _views(a) if v["name"] == wanted)
    a.printer.item(view, id_key="name")


@command(app, "rm")
def rm(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., help="Context names", autocompletion=complete_context),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
) -> None:
    """Remove contexts and their stored secrets. Asks first on a terminal; needs --yes
    otherwise.

    \b
    Example:
      qcli context rm staging old-dev --yes
    """
    from qcli.config.settings import API_KEY, OAUTH_SECRET, OAUTH_TOKEN

    a = application(ctx)
    data = a.contexts.load()
    for n in names:
        data.get(n)  # every name must exist before anything is removed
    what = ", ".join(repr(n) for n in names)
    a.confirm_destructive(f"remove context{'s' if len(names) > 1 else ''} {what} and "
                          f"{'their' if len(names) > 1 else 'its'} stored secrets", yes=yes)

    def change(d: ContextFile) -> None:
        for n in names:
            d.contexts.pop(n, None)
            if d.current == n:
                d.current = None

    a.contexts.update(change)
    for n in names:
        for kind in (API_KEY, OAUTH_SECRET, OAUTH_TOKEN):
            a.credentials.delete(n, kind)
    a.say(f"Removed {', '.join(repr(n) for n in names)}.")


@command(app, "rename")
def rename(
    ctx: typer.Context,
    old: str = typer.Argument(..., help="Current name", autocompletion=complete_context),
    new: str = typer.Argument(..., help="New name"),
) -> None:
    """Rename a context (its secrets move with it).

    \b
    Example:
      qcli context rename dev development
    """
    from qcli.config.contexts import validate_name
    from qcli.config.settings import API_KEY, OAUTH_SECRET

    a = application(ctx)
    validate_name(new)
    data = a.contexts.load()
    data.get(old)
    if new in data.contexts:
        raise UsageError(f"context {new!r} already exists")
    a.credentials.rename(old, new, (API_KEY, OAUTH_SECRET))

    def change(d: ContextFile) -> None:
        c = d.contexts.pop(old)
        c.name = new
        d.contexts[new] = c
        if d.current == old:
            d.current = new

    a.contexts.update(change)
    a.say(f"Renamed {old!r} to {new!r}.")


@command(app, "clear")
def clear(ctx: typer.Context) -> None:
    """Clear the current context (contexts stay saved; as 'qlik context clear').

    \b
    Example:
      qcli context clear
    """
    a = application(ctx)

    def change(d: ContextFile) -> None:
        d.current = None

    a.contexts.update(change)
    a.say("No context is current now.")


@command(app, "test")
def test(
    ctx: typer.Context,
    name: str | None = CurrentNameArg,
) -> None:
    """Check that a context reaches its tenant: GET /api/v1/users/me.

    \b
    Example:
      qcli context test prod
    """
    from qcli.api.users import UsersApi

    a = application(ctx)
    if name is not None:
        a.contexts.load().get(name)
        a.options.context = name
        a.options.server = None
    user = a.api(UsersApi).get_me()
    a.printer.item(user)
    a.say(f"OK: {a.connection.server} answers as {user.get('name') or user.get('id')}.")


IMPORT_COLUMNS = [("NAME", "name"), ("ACTION", "action"), ("SERVER", "server"),
                  ("REASON", "reason")]


@command(app, "import")
def import_contexts(
    ctx: typer.Context,
    source: str | None = typer.Option(None, "--from", metavar="PATH",
                                      help="qlik-cli's contexts file [default: "
                                      "~/.qlik/contexts.yml]"),
    overwrite: bool = typer.Option(False, "--overwrite",
                                   help="Replace qcli contexts of the same name"),
    remove_keys: bool = typer.Option(False, "--remove-keys", help="Then delete the imported "
                                     "keys from qlik-cli's file (asks on a terminal; needs "
                                     "--yes otherwise)"),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation"),
) -> None:
    """Import qlik-cli's contexts: each Qlik Cloud context becomes a qcli context, its API key
    (or OAuth client secret) goes to the keyring (or the 0600 file where none exists).

    Contexts of another server type (Windows, engine) are skipped; a name qcli already has is
    skipped unless --overwrite. Keys are never shown. Prints one result per context (name,
    server, action: created, overwritten, skipped or failed, reason). Exit 0 when each context
    was imported or skipped, 1 when one failed, 2 when the file is missing or malformed.

    \b
    Examples:
      qcli context import
      qcli context import --from ./contexts.yml -o json
      qcli context import --overwrite --remove-keys --yes
    """
    from pathlib import Path

    from qcli.config import qlikcli
    from qcli.config.settings import API_KEY, OAUTH_SECRET, OAUTH_TOKEN
    from qcli.errors import QcliError

    a = application(ctx)
    path = Path(source).expanduser() if source else qlikcli.default_path(a.env)
    if remove_keys and not yes and not a.io.can_prompt:  # before anything changes
        raise UsageError(f"refusing to remove the keys from {path} without confirmation: "
                         "pass --yes")
    data = qlikcli.read(path)
    a.hidden.extend(qlikcli.secrets_of(data))
    existing = a.contexts.load().contexts
    rows: list[dict[str, object]] = []
    imported: dict[str, Context] = {}
    removable: dict[str, list[tuple[str, ...]]] = {}  # qlik-cli name -> fields holding its key
    moved: dict[str, str] = {}  # qlik-cli name -> the key now in qcli's store
    taken: dict[str, str] = {}
    sources: dict[str, str] = {}  # qlik-cli name -> qcli name, of those imported
    failed = 0
    for source_name, entry in data.contexts.items():
        cand = qlikcli.candidate(source_name, entry)
        if cand.problem is None and cand.unsupported is None:
            if cand.name in taken:
                cand.problem = (f"its qcli name {cand.name!r} is also that of qlik-cli context "
                                f"{taken[cand.name]!r}")
            taken.setdefault(cand.name, source_name)
        reason: str | None = "; ".join(cand.notes) or None
        if cand.problem is not None:
            action, reason = "failed", cand.problem
        elif cand.unsupported is not None:
            action, reason = "skipped", cand.unsupported
        elif cand.name in existing and not overwrite:
            action = "skipped"
            old = existing[cand.name]
            assert cand.kind is not None
            same = (old.server == cand.server
                    and a.credentials.get(cand.name, cand.kind, old.credential_store)
                    == cand.secret)
            if same:  # already imported: its key is safe in qcli's store
                removable[source_name] = cand.key_fields
                moved[source_name] = str(cand.secret)
                reason = f"qcli context {cand.name!r} exists with this server and key"
            else:
                reason = f"a qcli context named {cand.name!r} exists (--overwrite replaces it)"
        else:
            assert cand.context is not None and cand.kind and cand.secret
            try:
                where = a.credentials.set(cand.name, cand.kind, cand.secret)
                if cand.name in existing:
                    for kind in (API_KEY, OAUTH_SECRET, OAUTH_TOKEN):
                        if kind != cand.kind:
                            a.credentials.delete(cand.name, kind)
            except (QcliError, OSError) as exc:
                action = "failed"
                reason = f"its key could not be stored: {getattr(exc, 'message', None) or exc}"
            else:
                cand.context.credential_store = where
                imported[cand.name] = cand.context
                removable[source_name] = cand.key_fields
                moved[source_name] = cand.secret
                action = "overwritten" if cand.name in existing else "created"
                sources[source_name] = cand.name
        if action == "failed":
            failed += 1
        server = a.redact(cand.server) if cand.server else None
        rows.append({"name": cand.name, "server": server, "action": action,
                     "reason": a.redact(reason) if reason else None})

    made_current: list[str] = []
    if imported:
        # qcli has no current context: qlik-cli's current one if imported, else the first
        wanted = sources.get(data.current or "") or next(iter(imported))

        def change(d: ContextFile) -> None:
            for name, new in imported.items():
                d.contexts[name] = new
            if d.current is None:
                d.current = wanted
                made_current.append(d.current)

        a.contexts.update(change)
    a.printer.items(rows, columns=IMPORT_COLUMNS, id_key="name")
    counts = {k: sum(1 for r in rows if r["action"] == k)
              for k in ("created", "overwritten", "skipped", "failed")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "no contexts found"
    note = f"; {made_current[0]!r} is now the current context" if made_current else ""
    a.say(f"{path}: {summary}{note}.")

    if removable:
        names = ", ".join(repr(n) for n in removable)
        if not remove_keys:
            from shlex import quote

            again = f" --from {quote(source)}" if source else ""
            a.say(f"note: {path} still holds the keys of {names} in plain text; "
                  f"'qcli context import{again} --remove-keys' removes them")
        elif yes or a.io.confirm(f"Remove the plain-text keys of {names} from {path}?"):
            text = qlikcli.without_keys(data, removable)
            qlikcli.write_back(data, text)
            a.say(f"Removed the keys of {names} from {path}.")
            left = [n for n, secret in moved.items() if secret in text]
            if left:  # the same key under a field qcli does not know
                a.io.warn(f"{path} still holds the key of {', '.join(map(repr, left))} "
                          "elsewhere; remove it by hand")
        else:
            a.say(f"Kept the keys in {path}.")
    if failed:
        raise QcliError(f"{failed} of {len(rows)} contexts could not be imported")
