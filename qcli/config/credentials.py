"""Secrets (API keys, OAuth client secrets, cached tokens) in the OS keyring.

Where no keyring backend exists (headless Linux, CI containers: keyring raises NoKeyringError)
secrets fall back to `credentials.yml` beside contexts.yml, mode 0600, with one warning.
`QCLI_CREDENTIAL_STORE=file` chooses the file on purpose (and silences the warning).

keyring's backend is the one remembered from an earlier run where it can be
(qcli/config/keyring_choice.py): keyring's own detection costs ~35-50 ms a process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qcli.config.atomic import locked, write_private
from qcli.config.paths import ensure_private_dir
from qcli.errors import ConfigError
from qcli.iostreams import IOStreams

SERVICE = "qcli"
KEYRING = "keyring"
FILE = "file"


class CredentialStore:
    def __init__(self, directory: Path, io: IOStreams):
        self.directory = directory
        self.path = directory / "credentials.yml"
        self.io = io
        self.forced_file = io.env.get("QCLI_CREDENTIAL_STORE", "").lower() == FILE

    # -- public API ----------------------------------------------------------------------------
    def set(self, context: str, kind: str, secret: str) -> str:
        """Store a secret; returns where it went ("keyring" or "file")."""
        if not self.forced_file:
            error = self._keyring_call("set_password", SERVICE, _user(context, kind), secret)
            if error is None:
                self._file_delete(context, kind)  # never leave an older copy behind
                return KEYRING
            self.io.warn(
                f"no OS keyring is available ({error}); storing the secret in {self.path} "
                "(mode 0600). Set QCLI_CREDENTIAL_STORE=file to choose this on purpose.",
                once_key="keyring-fallback",
            )
        self._file_set(context, kind, secret)
        return FILE

    def get(self, context: str, kind: str, where: str | None = None) -> str | None:
        if where != FILE and not self.forced_file:
            value: list[Any] = []
            error = self._keyring_call(
                "get_password", SERVICE, _user(context, kind), result=value
            )
            if error is None and value and value[0] is not None:
                return str(value[0])
        return self._file_get(context, kind)

    def delete(self, context: str, kind: str) -> None:
        if not self.forced_file:
            self._keyring_call("delete_password", SERVICE, _user(context, kind))
        self._file_delete(context, kind)

    def rename(self, old: str, new: str, kinds: tuple[str, ...]) -> None:
        for kind in kinds:
            secret = self.get(old, kind)
            if secret is not None:
                self.set(new, kind, secret)
                self.delete(old, kind)

    # -- keyring -------------------------------------------------------------------------------
    def _keyring_call(self, fn: str, *args: str, result: list[Any] | None = None) -> str | None:
        """Call keyring; return None on success or a short reason on failure."""
        try:
            import keyring
            import keyring.errors
        except ImportError as exc:  # pragma: no cover - keyring is a dependency
            return str(exc)
        from qcli.config import keyring_choice

        choice = keyring_choice.prepare(keyring)
        error, value = _call(keyring, fn, args)
        if choice == "remembered" and (error is not None
                                       or (fn == "get_password" and value is None)):
            remembered = type(keyring.get_keyring())
            keyring.core.init_backend()  # keyring's own detection, as without the memory
            choice = keyring_choice.detected()
            if type(keyring.get_keyring()) is not remembered:  # another backend: ask it (the
                error, value = _call(keyring, fn, args)  # same one would only ask again)
        if choice == "detected":
            keyring_choice.remember(keyring)
        if error is None and result is not None:
            result.append(value)
        return error

    # -- file fallback -------------------------------------------------------------------------
    def _file_load(self) -> dict[str, dict[str, str]]:
        from qcli.config import plainyaml

        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            doc = plainyaml.safe_load(raw) or {}  # as qcli writes it: without importing PyYAML
        except plainyaml.Invalid:
            raise ConfigError(f"{self.path}: invalid YAML") from None
        if not isinstance(doc, dict) or not all(isinstance(v, dict) or v is None
                                                for v in doc.values()):
            raise ConfigError(f"{self.path}: expected a mapping of context names to mappings")
        return {str(k): dict(v or {}) for k, v in doc.items()}

    def _file_update(self, change: Any) -> None:
        ensure_private_dir(self.directory)
        with locked(self.path):
            data = self._file_load()
            if not change(data) and not self.path.exists():
                return
            write_private(self.path, file_text(data))

    def _file_set(self, context: str, kind: str, secret: str) -> None:
        def change(data: dict[str, dict[str, str]]) -> bool:
            data.setdefault(context, {})[kind] = secret
            return True

        self._file_update(change)

    def _file_get(self, context: str, kind: str) -> str | None:
        value = self._file_load().get(context, {}).get(kind)
        if value is not None and not isinstance(value, str):  # a hand edit: 0123 is read as
            raise ConfigError(  # 83 (octal), 1_000 as 1000: never guess which text was meant
                f"{self.path}: the {kind} of context {context!r} is not text",
                hint="write it in single quotes ('...'), or store it again with 'qcli "
                "context update'")
        return value

    def _file_delete(self, context: str, kind: str) -> None:
        if not self.path.exists():
            return

        def change(data: dict[str, dict[str, str]]) -> bool:
            entry = data.get(context, {})
            if kind not in entry:
                return False
            del entry[kind]
            if not entry:
                del data[context]
            return True

        self._file_update(change)


def file_text(data: dict[str, dict[str, str]]) -> bytes:
    """credentials.yml's text for `data` (context name -> kind -> secret)."""
    import yaml

    body = "# qcli secrets (no OS keyring available). Keep this file private.\n"
    return (body + yaml.safe_dump(data, sort_keys=True)).encode()


def _call(keyring: Any, fn: str, args: tuple[str, ...]) -> tuple[str | None, Any]:
    """(None, what keyring's `fn` returned), or (a short reason, None) when it failed."""
    try:
        return None, getattr(keyring, fn)(*args)
    except keyring.errors.PasswordDeleteError:
        return None, None
    except (keyring.errors.KeyringError, RuntimeError) as exc:
        return type(exc).__name__, None


def _user(context: str, kind: str) -> str:
    return f"{context}:{kind}"
