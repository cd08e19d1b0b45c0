"""Saved contexts: named tenants in contexts.yml, written atomically with mode 0600."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from qcli.config.atomic import locked, write_private
from qcli.config.paths import ensure_private_dir
from qcli.errors import ConfigError, UsageError

T = TypeVar("T")

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")


def validate_name(name: str) -> str:
    if not NAME_PATTERN.match(name):
        raise UsageError(
            f"invalid context name {name!r}: use letters, digits, '.', '_' or '-' "
            "(at most 63 characters, starting with a letter or digit)"
        )
    return name


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?"
_HOST = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$")


def normalize_server(url: str) -> str:
    """`acme.eu.qlikcloud.com` -> `https://acme.eu.qlikcloud.com`; no trailing slash.

    A server is a scheme, a host and maybe a port: no user name or password (they would show in
    `context ls` and logs), no path, query or fragment (exit 2, before any request)."""
    import ipaddress
    from urllib.parse import urlsplit

    given = url.strip()
    url = given
    example = "expected e.g. https://acme.eu.qlikcloud.com"
    if not url:
        raise UsageError("the server URL is empty")
    if "://" not in url:
        scheme, colon, rest = url.partition(":")
        if colon and rest.startswith("/") and scheme.isalpha():  # htp:/host, https:/host
            raise UsageError(f"invalid server URL {given!r}: the scheme must be followed by "
                             f"'://'; {example}")
        url = "https://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        shown = repr(given) if "@" not in given else "(not shown: it holds a user name or password)"
        raise UsageError(f"invalid server URL {shown}: {exc}; {example}") from None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise UsageError("a server URL must not hold a user name or password (user:pass@): "
                         "give the host only, and the key with --api-key-stdin or QCLI_API_KEY")
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"invalid server URL {given!r}: the scheme must be https (or http, "
                         f"for the emulator), not {parts.scheme!r}; {example}")
    if not parts.hostname or port == 0:
        raise UsageError(f"invalid server URL {given!r}: {example}")
    host = parts.hostname
    if not _HOST.match(host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise UsageError(f"invalid server URL {given!r}: {host!r} is not a host name; "
                             f"{example}") from None
    for what, value in (("a path", parts.path.rstrip("/")), ("a query", parts.query),
                        ("a fragment", parts.fragment)):
        if value or (what != "a path" and url.rstrip("/").endswith(("?", "#"))):
            raise UsageError(f"invalid server URL {given!r}: it has {what}; give only the "
                             f"scheme, host and port ({example})")
    return f"{parts.scheme}://{parts.netloc.lower()}"


@dataclass
class Context:
    name: str
    server: str
    auth: str = "api-key"  # "api-key" or "oauth"
    oauth_client_id: str | None = None
    insecure: bool = False
    ca_cert: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    comment: str | None = None
    credential_store: str | None = None  # "keyring" or "file": where the secret lives

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"server": self.server, "auth": self.auth}
        if self.oauth_client_id:
            data["oauth-client-id"] = self.oauth_client_id
        if self.insecure:
            data["insecure"] = True
        if self.ca_cert:
            data["ca-cert"] = self.ca_cert
        if self.headers:
            data["headers"] = dict(self.headers)
        if self.comment:
            data["comment"] = self.comment
        if self.credential_store:
            data["credential-store"] = self.credential_store
        return data

    @classmethod
    def from_dict(cls, name: str, data: Any, source: Path) -> Context:
        if not isinstance(data, dict) or not isinstance(data.get("server"), str):
            raise ConfigError(f"{source}: context {name!r} has no 'server' URL")
        headers = data.get("headers") or {}
        if not isinstance(headers, dict):
            raise ConfigError(f"{source}: context {name!r}: 'headers' must be a mapping")
        return cls(
            name=name,
            server=data["server"],
            auth=str(data.get("auth", "api-key")),
            oauth_client_id=data.get("oauth-client-id"),
            insecure=bool(data.get("insecure", False)),
            ca_cert=data.get("ca-cert"),
            headers={str(k): str(v) for k, v in headers.items()},
            comment=data.get("comment"),
            credential_store=data.get("credential-store"),
        )

    def public_view(self, *, current: bool, has_secret: bool) -> dict[str, Any]:
        """What `context ls|get` show: never the secret itself."""
        view: dict[str, Any] = {"name": self.name, "current": current,
                                "server": _without_userinfo(self.server)}
        view["auth"] = self.auth
        if self.auth == "oauth":
            view["oauthClientId"] = self.oauth_client_id
            view["oauthClientSecret"] = "********" if has_secret else None
        else:
            view["apiKey"] = "********" if has_secret else None
        view["credentialStore"] = self.credential_store
        view["insecure"] = self.insecure
        view["caCert"] = self.ca_cert
        view["headers"] = {k: _mask_header(k, v) for k, v in self.headers.items()}
        view["comment"] = self.comment
        return view


def _without_userinfo(url: str) -> str:
    """A server saved before user:pass@ was refused: shown without it."""
    scheme, sep, rest = url.partition("://")
    host, slash, tail = rest.partition("/")
    if sep and "@" in host:
        return f"{scheme}://***@{host.rsplit('@', 1)[1]}{slash}{tail}"
    return url


def _mask_header(key: str, value: str) -> str:
    if key.lower() in ("authorization", "cookie", "x-api-key", "x-qlik-session"):
        return "********"
    return value


@dataclass
class ContextFile:
    current: str | None = None
    contexts: dict[str, Context] = field(default_factory=dict)

    def get(self, name: str) -> Context:
        try:
            return self.contexts[name]
        except KeyError:
            known = ", ".join(sorted(self.contexts)) or "none"
            raise UsageError(f"no context named {name!r} (known: {known})") from None

    def to_yaml(self) -> bytes:
        import yaml

        doc = {
            "current": self.current,
            "contexts": {n: c.to_dict() for n, c in sorted(self.contexts.items())},
        }
        header = "# qcli contexts. Secrets are not stored here: see 'qcli context get'.\n"
        return (header + yaml.safe_dump(doc, sort_keys=False)).encode()


class ContextStore:
    def __init__(self, directory: Path):
        self.directory = directory
        self.path = directory / "contexts.yml"

    def load(self) -> ContextFile:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return ContextFile()
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None
        return self._parse(raw)

    def _parse(self, raw: str) -> ContextFile:
        from qcli.config import plainyaml

        try:
            doc = plainyaml.safe_load(raw)  # as qcli writes it: without importing PyYAML
        except plainyaml.Invalid as exc:
            where = f" line {exc.line}" if exc.line is not None else ""
            raise ConfigError(
                f"{self.path}{where}: {exc.problem}",
                hint="fix or remove the file, then run 'qcli context create'",
            ) from None
        if doc is None:
            return ContextFile()
        if not isinstance(doc, dict):
            raise ConfigError(f"{self.path}: expected a mapping with 'current' and 'contexts'")
        contexts_raw = doc.get("contexts") or {}
        if not isinstance(contexts_raw, dict):
            raise ConfigError(f"{self.path}: 'contexts' must be a mapping of names to contexts")
        contexts = {
            str(name): Context.from_dict(str(name), data, self.path)
            for name, data in contexts_raw.items()
        }
        current = doc.get("current")
        return ContextFile(current=str(current) if current else None, contexts=contexts)

    def update(self, change: Callable[[ContextFile], T]) -> T:
        """Read, change and write the file under a lock, so concurrent writers lose nothing."""
        ensure_private_dir(self.directory)
        with locked(self.path):
            data = self.load()
            result = change(data)
            write_private(self.path, data.to_yaml())
        return result
