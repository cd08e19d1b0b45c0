"""Resolve what a command runs with. Precedence: flag > environment > current context > default."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qcli.config.contexts import Context, ContextStore, normalize_server
from qcli.config.credentials import CredentialStore
from qcli.config.secrets import check_secret, secret_problem
from qcli.errors import UsageError

OUTPUT_FORMATS = ("json", "yaml", "table", "csv")
DEFAULT_TIMEOUT = 30.0

API_KEY = "api-key"
OAUTH_SECRET = "oauth-client-secret"
OAUTH_TOKEN = "oauth-token"


@dataclass
class GlobalOptions:
    """Global options as given on the command line (None/False: not given)."""

    context: str | None = None
    server: str | None = None
    output: str | None = None
    json: bool = False
    quiet: bool = False
    query: str | None = None
    verbose: bool = False
    insecure: bool = False
    ca_cert: str | None = None
    headers: list[str] = field(default_factory=list)
    timeout: str | None = None
    no_progress: bool = False
    no_color: bool = False


@dataclass
class Connection:
    server: str
    auth: str  # "api-key" or "oauth"
    api_key: str | None = None
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = None
    context: str | None = None
    insecure: bool = False
    ca_cert: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    timeout: float = DEFAULT_TIMEOUT
    key_source: str | None = None  # "QCLI_API_KEY" or "context 'NAME'": named in a 401's hint

    @property
    def secrets(self) -> list[str]:
        return [s for s in (self.api_key, self.oauth_client_secret) if s]


def resolve_output(opts: GlobalOptions, env: dict[str, str], stdout_is_tty: bool) -> str:
    fmt = opts.output or ("json" if opts.json else None) or env.get("QCLI_OUTPUT") or None
    if fmt is None:
        return "table" if stdout_is_tty else "json"
    fmt = fmt.lower()
    if fmt not in OUTPUT_FORMATS:
        raise UsageError(f"unknown output format {fmt!r}: choose one of {', '.join(OUTPUT_FORMATS)}")
    return fmt


def parse_header(raw: str) -> tuple[str, str]:
    name, sep, value = raw.partition(":")
    if (not sep or not name.strip() or any(c.isspace() for c in name.strip())
            or not name.strip().isascii()):
        shown = name.strip() if sep and name.strip().isascii() else "(not shown)"
        raise UsageError(f"invalid header {shown!r}: expected 'Name: value' in ASCII")
    problem = secret_problem(value.strip().replace(" ", "_"))  # spaces are fine in a value
    if problem:  # the value may be a secret (a cookie, a token): never shown
        raise UsageError(f"invalid header {name.strip()!r}: its value contains {problem}")
    return name.strip(), value.strip()


def parse_timeout(raw: str | None) -> float:
    if raw is None or raw == "":
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86400:
        raise UsageError(f"invalid timeout {raw!r}: expected seconds, more than 0 and at most 86400")
    return value


def current_context_name(opts: GlobalOptions, env: dict[str, str], current: str | None) -> str | None:
    return opts.context or env.get("QCLI_CONTEXT") or current


def _same_server(saved: str, server: str) -> bool:
    try:
        return normalize_server(saved) == server
    except UsageError:
        return False


def _context_secret(conn: Connection, ctx: Context, creds: CredentialStore) -> None:
    where = f"the credentials stored for context {ctx.name!r}"
    if ctx.auth == "oauth":
        secret = creds.get(ctx.name, OAUTH_SECRET, ctx.credential_store)
        if secret:
            conn.auth = "oauth"
            conn.oauth_client_id = ctx.oauth_client_id
            conn.oauth_client_secret = check_secret(
                secret.strip(), "OAuth client secret", where,
                hint=f"replace it: 'qcli context update {ctx.name} --oauth-client-secret-stdin'")
    else:
        secret = creds.get(ctx.name, API_KEY, ctx.credential_store)
        if secret:
            conn.api_key = check_secret(
                secret.strip(), "API key", where,
                hint=f"replace it: 'qcli context update {ctx.name} --api-key-stdin'")
    if secret:
        conn.key_source = f"context {ctx.name!r}"


def resolve_connection(
    opts: GlobalOptions, env: dict[str, str], store: ContextStore, creds: CredentialStore
) -> Connection:
    data = store.load()
    name = current_context_name(opts, env, data.current)
    ctx: Context | None = None
    if name is not None and (opts.context or env.get("QCLI_CONTEXT") or name in data.contexts):
        ctx = data.get(name)  # an explicitly chosen context must exist

    server_raw = opts.server or env.get("QCLI_SERVER") or (ctx.server if ctx else None)
    if not server_raw:
        raise UsageError(
            "no tenant configured",
            hint="run 'qcli context create NAME --server URL', "
            "or set QCLI_SERVER and QCLI_API_KEY",
        )
    try:
        server = normalize_server(server_raw)
    except UsageError as exc:
        if ctx is not None and server_raw == ctx.server:
            exc.message = f"context {ctx.name!r}: {exc.message}"
            exc.hint = f"fix it: 'qcli context update {ctx.name} --server URL'"
        raise

    # A context's secrets go only to the context's own server.
    ctx_applies = ctx is not None and _same_server(ctx.server, server)
    conn = Connection(server=server, auth="api-key", context=ctx.name if ctx else None)

    # Whose key: a context chosen by name (--context, QCLI_CONTEXT) uses its own credentials,
    # even with QCLI_API_KEY set; otherwise QCLI_API_KEY beats the current context's.
    env_key = (env.get("QCLI_API_KEY") or "").strip()
    chosen = ctx is not None and bool(opts.context or env.get("QCLI_CONTEXT"))
    if ctx is not None and ctx_applies and (chosen or not env_key):
        _context_secret(conn, ctx, creds)
    if env_key and not conn.api_key and not conn.oauth_client_secret:
        conn.api_key = check_secret(env_key, "API key", "QCLI_API_KEY")
        conn.key_source = "QCLI_API_KEY"
    if not conn.api_key and not conn.oauth_client_secret:
        if ctx is not None and not ctx_applies:
            raise UsageError(
                f"no API key for {server}: context {ctx.name!r} is for {ctx.server}",
                hint="set QCLI_API_KEY, or create a context for this server",
            )
        raise UsageError(
            f"no credentials for {server}",
            hint=f"run 'qcli context update {ctx.name} --"
            f"{'oauth-client-secret' if ctx.auth == 'oauth' else 'api-key'}-stdin'"
            if ctx is not None
            else "set QCLI_API_KEY, or save the server and its key with 'qcli context create "
            "NAME --server SERVER'",
        )

    conn.insecure = opts.insecure or (ctx.insecure if ctx and ctx_applies else False)
    ca_cert = opts.ca_cert or env.get("QCLI_CA_CERT") or (ctx.ca_cert if ctx and ctx_applies else None)
    if ca_cert:
        path = Path(ca_cert).expanduser()
        if not path.is_file():
            raise UsageError(f"CA bundle not found: {ca_cert}")
        conn.ca_cert = str(path)
    if ctx is not None and ctx_applies:
        conn.headers.update(ctx.headers)
    for raw in opts.headers:
        key, value = parse_header(raw)
        conn.headers[key] = value
    conn.timeout = parse_timeout(opts.timeout or env.get("QCLI_TIMEOUT"))
    return conn
