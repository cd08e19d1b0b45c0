"""qcli emulator start: a local tenant for trying qcli offline and for CI."""

from __future__ import annotations

import typer

from qcli.cli.kit import application, command, new_typer
from qcli.errors import UsageError

app = new_typer("Run a local tenant emulator (needs the extra: pip install 'qcli[emulator]').")


@command(app, "start")
def start(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (one off "
                             "loopback, e.g. 0.0.0.0, prints a warning)"),
    port: int = typer.Option(8270, "--port", help="Port (0: any free port)"),
    data_dir: str | None = typer.Option(None, "--data-dir", help="Where state is kept "
                                        "(default: a folder under the user data dir)"),
    api_key: str | None = typer.Option(None, "--api-key", envvar="QCLI_EMULATOR_API_KEY",
                                       show_envvar=False, help="The key clients must send [env: "
                                       "QCLI_EMULATOR_API_KEY; default: a random one, shown once]"),
    oauth_client: list[str] | None = typer.Option(None, "--oauth-client",
                                                  help="Accepted OAuth client 'ID:SECRET' "
                                                  "(repeatable)"),
    faults: list[str] | None = typer.Option(None, "--faults", help="Fault rules, e.g. "
                                            "'status=429 retry-after=1 path=/api/v1/extensions "
                                            "nth=1' (';' between rules); 'delay=5 at=body "
                                            "after-bytes=N' holds a request part way through "
                                            "its body (at=response: after the work is done; "
                                            "with drop, cuts the answer after after-bytes); "
                                            "'rate-limit [scale=0.05]' enforces the API's rate "
                                            "tiers"),
    token_ttl: int = typer.Option(3600, "--token-ttl", help="Lifetime of OAuth tokens (s)"),
    tls_cert: str | None = typer.Option(None, "--tls-cert", help="Serve HTTPS with this PEM "
                                        "certificate (chain; may hold the key too)"),
    tls_key: str | None = typer.Option(None, "--tls-key", help="Private key of --tls-cert, "
                                       "if not in the same file"),
    seed: int = typer.Option(0, "--seed", help="Make N data stores, each with two data assets "
                             "of two data sets (skipped where they exist)"),
    max_file_size: str = typer.Option("500MiB", "--max-file-size", help="The quotas' "
                                      "maxFileSize: largest direct data-file upload"),
    max_large_file_size: str = typer.Option("6GiB", "--max-large-file-size", help="The quotas' "
                                            "maxLargeFileSize: largest upload through temp content"),
) -> None:
    """Start the emulator in the foreground; it prints its URL on stdout when ready.

    State (SQLite and content files) lives in --data-dir, so a restart loses nothing.

    \b
    Examples:
      qcli emulator start --port 8270 --api-key dev-key
      qcli emulator start --port 0 --data-dir ./tenant --faults 'status=503 nth=1'
    """
    import secrets
    from pathlib import Path

    a = application(ctx)
    try:
        from qcli.emulator.app import EmulatorConfig
        from qcli.emulator.faults import parse_rate_limit, parse_rules
        from qcli.emulator.server import serve
    except ImportError as exc:
        raise UsageError(f"the emulator needs extra packages ({exc.name} is missing)",
                         hint="pip install 'qcli[emulator]'") from None
    if not 0 <= port <= 65535:
        raise UsageError(f"invalid port {port}: expected 0 to 65535")
    rules = []
    limiter = None
    for spec in faults or []:
        try:
            rules.extend(parse_rules(spec))
            limiter = parse_rate_limit(spec) or limiter
        except ValueError as exc:
            raise UsageError(f"invalid --faults {spec!r}: {exc}") from None
    clients = {}
    for item in oauth_client or []:
        cid, sep, secret = item.partition(":")
        if not sep or not cid or not secret:
            raise UsageError(f"invalid --oauth-client {item!r}: expected ID:SECRET")
        clients[cid] = secret
    if data_dir is None:
        import platformdirs

        directory = Path(platformdirs.user_data_dir("qcli")) / "emulator"
    else:
        directory = Path(data_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot use --data-dir {directory}: {exc.strerror}") from None
    key = api_key
    if not key:
        key = secrets.token_urlsafe(24)
        a.io.err(f"API key for this emulator (generated, shown once): {key}")
    from qcli.transfer.sizes import parse_size

    config = EmulatorConfig(
        data_dir=directory, api_key=key, oauth_clients=clients, faults=rules, token_ttl=token_ttl,
        seed=seed, rate_limit=limiter,
        max_file_size=parse_size(max_file_size, option="--max-file-size", maximum=2**62),
        max_upload_size=parse_size(max_large_file_size, option="--max-large-file-size",
                                   maximum=2**62))

    def announce(url: str) -> None:
        a.io.out(url + "\n")
        a.io.stdout.flush()
        a.io.err(f"Emulator serving {url} (data in {directory}); Ctrl-C stops it.")

    for flag, path in (("--tls-cert", tls_cert), ("--tls-key", tls_key)):
        if path is not None and not Path(path).is_file():
            raise UsageError(f"{flag} {path}: no such file")
    if tls_key and not tls_cert:
        raise UsageError("--tls-key needs --tls-cert")
    if not _loopback(host):
        a.io.err(f"WARNING: --host {host} is not a loopback address: this emulator is reachable "
                 "from other machines. It is a test server: anyone who reaches it and has its "
                 "API key can read its request log, inject faults and change its data"
                 f"{'' if tls_cert else ', and its plain HTTP shows the key to the network'}. "
                 "Use --host 127.0.0.1 unless you mean it.")
    from qcli import gcpolicy

    gcpolicy.ready()  # a long-running server: Python's collector as it is
    try:
        serve(config, host, port, announce=announce, tls_cert=tls_cert, tls_key=tls_key)
    except OSError as exc:
        raise UsageError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _loopback(host: str) -> bool:
    """Is `host` a loopback address (127.0.0.0/8, ::1) or `localhost`? Any other name or
    address (0.0.0.0, ::, a LAN address) may be reachable from elsewhere."""
    import ipaddress

    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
