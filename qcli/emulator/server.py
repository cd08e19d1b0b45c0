"""Run the emulator with uvicorn on a socket bound here, so port 0 picks a free port."""

from __future__ import annotations

import socket
import sys
from collections.abc import Callable
from typing import Any

from qcli.emulator.app import Emulator, EmulatorConfig, create_app


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit TCP_NODELAY from the listening socket (Linux). Without it a
    # keep-alive client waits ~40 ms per request (Nagle against delayed ACKs), as asyncio does
    # not set it on sockets handed to uvicorn.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(config: EmulatorConfig, host: str, port: int,
          announce: Callable[[str], None] | None = None, *, tls_cert: str | None = None,
          tls_key: str | None = None) -> None:
    import uvicorn

    sock = bind(host, port)
    bound = sock.getsockname()[1]
    scheme = "https" if tls_cert else "http"
    url = f"{scheme}://{'[' + host + ']' if ':' in host else host}:{bound}"
    emulator = Emulator(config)
    app = create_app(config, emulator)

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: Any = None) -> None:
            await super().shutdown(sockets=sockets)
            # the database is closed here, not after run(): once it has shut down after SIGINT
            # or SIGTERM, uvicorn raises that signal again, and SIGTERM ends the process at once
            # (SQLite folds its write-ahead log back into emulator.sqlite3 on close)
            emulator.store.close()

    server = Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                   timeout_keep_alive=30, ssl_certfile=tls_cert,
                                   ssl_keyfile=tls_key))
    if announce is not None:
        announce(url)
    server.run(sockets=[sock])


def main() -> None:  # pragma: no cover - `python -m qcli.emulator.server` for debugging
    import tempfile
    from pathlib import Path

    cfg = EmulatorConfig(data_dir=Path(tempfile.mkdtemp()), api_key=sys.argv[1])
    serve(cfg, "127.0.0.1", 0, announce=print)
