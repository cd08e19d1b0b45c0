"""The Application: one object per invocation, handed to every command (after hatch).

It holds the IO streams and the global options, and builds lazily what a command asks for:
the resolved connection, the HTTP client, the API objects, the printer.
"""

from __future__ import annotations

import importlib
from functools import cached_property
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from qcli.config.settings import GlobalOptions
from qcli.errors import UsageError
from qcli.iostreams import IOStreams

if TYPE_CHECKING:
    from qcli.api.data_files import DataFilesApi
    from qcli.api.data_stores import DataStoresApi
    from qcli.api.extensions import ExtensionsApi
    from qcli.api.temp_contents import TempContentsApi
    from qcli.config.contexts import ContextStore
    from qcli.config.credentials import CredentialStore
    from qcli.config.settings import Connection
    from qcli.http.client import HttpClient
    from qcli.output.printer import Printer

T = TypeVar("T")


class ApiSlot(Generic[T]):
    """`extensions: ApiSlot[ExtensionsApi] = ApiSlot("module:Class")`: a shortcut to app.api(Class),
    imported on first use (command modules stay free of httpx at import time)."""

    def __init__(self, target: str):
        self.target = target

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> ApiSlot[T]: ...
    @overload
    def __get__(self, obj: Application, owner: type | None = None) -> T: ...
    def __get__(self, obj: Application | None, owner: type | None = None) -> Any:
        if obj is None:
            return self
        module, _, name = self.target.partition(":")
        return obj.api(getattr(importlib.import_module(module), name))


class Application:
    """`transport`: an httpx transport for the one HTTP client (tests: an httpx.MockTransport
    over the emulator's ASGI app, so commands run in-process; None is the network)."""

    def __init__(self, io: IOStreams | None = None, *, transport: Any = None):
        self.io = io or IOStreams()
        self.transport = transport
        self.options = GlobalOptions()
        self._closers: list[Any] = []
        self._apis: dict[type, Any] = {}
        self.hidden: list[str] = []  # more secrets to redact (keys read from a file)

    @property
    def env(self) -> dict[str, str]:
        return self.io.env

    def apply_options(self) -> None:
        """Called once the command line is parsed: options that change the streams."""
        if self.options.no_color:
            self.io.color_disabled = True
        if self.options.no_progress or self.options.quiet:  # -q: the IDs, nothing else
            self.io.progress_disabled = True

    # -- configuration ---------------------------------------------------------------------------
    @cached_property
    def contexts(self) -> ContextStore:
        from qcli.config.contexts import ContextStore
        from qcli.config.paths import config_dir

        return ContextStore(config_dir(self.env))

    @cached_property
    def credentials(self) -> CredentialStore:
        from qcli.config.credentials import CredentialStore

        return CredentialStore(self.contexts.directory, self.io)

    @cached_property
    def connection(self) -> Connection:
        from qcli.config.settings import resolve_connection

        conn = resolve_connection(self.options, self.env, self.contexts, self.credentials)
        if conn.context is not None:
            from qcli.http import preconnect

            preconnect.remember_contexts()  # so that the next command's connection opens early
        return conn

    # -- network ---------------------------------------------------------------------------------
    @cached_property
    def http(self) -> HttpClient:
        from qcli.http.client import HttpClient

        conn = self.connection
        client = HttpClient(
            conn,
            log=self._verbose_line if self.options.verbose else None,
            warn=self.io.warn,
            notice=None if self.options.quiet else self.io.err,
            credential_cache=self.credentials if conn.auth == "oauth" else None,
            transport=self.transport,
        )
        self._closers.append(client)
        from qcli import gcpolicy

        gcpolicy.ready()  # the heavy imports are done
        return client

    def api(self, cls: type[T]) -> T:
        """The API object of a class (built once, on this invocation's HTTP client): any class
        whose constructor takes the HttpClient, with no registration here."""
        made = self._apis.get(cls)
        if made is None:
            made = self._apis[cls] = cls(self.http)  # type: ignore[call-arg]
        return made

    extensions: ApiSlot[ExtensionsApi] = ApiSlot("qcli.api.extensions:ExtensionsApi")
    data_files: ApiSlot[DataFilesApi] = ApiSlot("qcli.api.data_files:DataFilesApi")
    data_stores: ApiSlot[DataStoresApi] = ApiSlot("qcli.api.data_stores:DataStoresApi")
    temp_contents: ApiSlot[TempContentsApi] = ApiSlot("qcli.api.temp_contents:TempContentsApi")

    def _verbose_line(self, line: str) -> None:
        import contextlib

        # the rows printed so far come first (stdout and stderr in one pipe, `2>&1`); a closed
        # pipe is for the next write to stdout to report
        with contextlib.suppress(OSError, ValueError):
            self.io.stdout.flush()
        self.io.err(self.redact(line))

    def redact(self, text: str) -> str:
        """Remove every secret this invocation knows of from a line meant for people."""
        secrets: list[str] = list(self.hidden)
        if "connection" in self.__dict__:
            secrets.extend(self.connection.secrets)
        key = self.env.get("QCLI_API_KEY")
        if key:
            secrets.extend((key, key.strip()))
        from qcli.config.secrets import redact

        return redact(text, secrets)

    # -- output ----------------------------------------------------------------------------------
    @cached_property
    def printer(self) -> Printer:
        from qcli.config.settings import resolve_output
        from qcli.output.printer import Printer

        fmt = resolve_output(self.options, self.env, self.io.stdout_is_tty)
        return Printer(self.io, fmt, quiet=self.options.quiet, query=self.options.query)

    # -- interaction -----------------------------------------------------------------------------
    def say(self, text: str) -> None:
        """A status line for people, on stderr; nothing with -q."""
        if not self.options.quiet:
            self.io.err(text)

    def confirm_destructive(self, what: str, *, yes: bool) -> None:
        """Ask on a terminal; without one, `--yes` is required (exit 2, before any request)."""
        if yes:
            return
        if not self.io.can_prompt:
            raise UsageError(f"refusing to {what} without confirmation: pass --yes")
        if not self.io.confirm(f"{what[0].upper()}{what[1:]}?"):
            raise UsageError("cancelled", exit_code=1)

    def close(self) -> None:
        for closer in self._closers:
            closer.close()
        self._closers.clear()
