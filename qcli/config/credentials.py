"""Secrets (API keys, OAuth client secrets, cached tokens) in the OS keyring.

Where no keyring backend exists (headless Linux, CI containers: keyring raises NoKeyringError)
secrets fall back to `credentials.yml` beside contexts.yml, mode 0600, with one warning.
`QCLI_CREDENTIAL_STORE=file` chooses the file on purpose (and silences the warning).

keyring finds its backend anew in every process: it reads every installed package's entry
points and asks each backend whether it is viable (Secret Service and KWallet over D-Bus), ~50 ms
before the secret is even asked for, on every command run from a saved context. qcli remembers
the backend that detection chose (`keyring-backend.txt` in the cache folder) and, in later runs,
asks that one directly while it is viable. A remembered backend that is gone, not viable, fails,
or has no such secret sends qcli back to keyring's own detection, which it remembers again.
The user's own choice (PYTHON_KEYRING_BACKEND, keyringrc.cfg) is left to keyring, which reads it
before detecting; the memory is then neither read nor written.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from qcli.config.atomic import locked, write_private
from qcli.config.paths import ensure_private_dir
from qcli.errors import ConfigError
from qcli.iostreams import IOStreams

SERVICE = "qcli"
KEYRING = "keyring"
FILE = "file"

BACKEND_FORM = "qcli-keyring-backend 1"  # the first line of the remembered backend's file
# keyring's answers not worth remembering: no keyring at all, and several chained (the chainer
# finds the backends it chains by detection anyway)
NOT_REMEMBERED = frozenset({"keyring.backends.fail.Keyring",
                            "keyring.backends.chainer.ChainerBackend"})
# how this process's backend is chosen (_prepare_backend): None = not yet
_choice: list[str | None] = [None]


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
        choice = _prepare_backend(keyring)
        error, value = _call(keyring, fn, args)
        if choice == "remembered" and (error is not None
                                       or (fn == "get_password" and value is None)):
            keyring.core.init_backend()  # keyring's own detection, as without the memory
            _choice[0] = choice = "detected"
            error, value = _call(keyring, fn, args)
        if choice == "detected":
            _remember_backend(keyring)
            _choice[0] = "kept"  # detection's backend, remembered: nothing more to do
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
        doc: Any = plainyaml.load(raw)  # the file as qcli writes it, without importing PyYAML
        if doc is None:
            import yaml

            try:
                doc = yaml.safe_load(raw) or {}
            except yaml.YAMLError:
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
        return None if value is None else str(value)  # a hand-written number is text too

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


def _prepare_backend(keyring: Any) -> str:
    """Once per process: give keyring the backend remembered from an earlier run, if it loads
    and says it is viable. Returns how the backend is chosen: "user" (PYTHON_KEYRING_BACKEND or
    keyringrc.cfg, read by keyring itself), "remembered", "detected" (by keyring, at the first
    call) or, after that call, "kept"."""
    if _choice[0] is not None:
        return _choice[0]
    from keyring.util import platform_

    from qcli.config.completion_cache import read
    from qcli.config.paths import keyring_backend_file

    choice = "detected"
    if "PYTHON_KEYRING_BACKEND" in os.environ or (
            platform_.config_root() / "keyringrc.cfg").exists():
        choice = "user"
    elif (name := (read(keyring_backend_file(), BACKEND_FORM) or [""])[0]) and (
            name not in NOT_REMEMBERED):
        try:  # load_keyring checks that the backend is viable (its priority)
            keyring.core.set_keyring(keyring.core.load_keyring(name))
            choice = "remembered"
        except Exception:  # gone (uninstalled, renamed) or not viable now: keyring detects
            pass
    _choice[0] = choice
    return choice


def _remember_backend(keyring: Any) -> None:
    """Remember the backend keyring's detection chose (or forget a remembered one when it
    chose none worth remembering). A cache: a file that cannot be written is no error."""
    from qcli.config.completion_cache import read, write
    from qcli.config.paths import keyring_backend_file

    backend = type(keyring.get_keyring())
    name = f"{backend.__module__}.{backend.__qualname__}"
    path = keyring_backend_file()
    try:
        if name in NOT_REMEMBERED:
            if os.path.exists(path):
                os.unlink(path)
        elif read(path, BACKEND_FORM) != [name]:
            write(path, [name], BACKEND_FORM)
    except OSError:
        pass


def _user(context: str, kind: str) -> str:
    return f"{context}:{kind}"
