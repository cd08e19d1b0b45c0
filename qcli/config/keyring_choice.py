"""Which keyring backend qcli asks: the one keyring's detection chose in an earlier run.

keyring finds its backend anew in every process: it reads the entry points of every installed
package and asks each backend whether it is viable (on Linux, Secret Service and KWallet over
D-Bus), ~35-50 ms before the secret is even asked for, on every command run from a saved
context. qcli remembers the backend that detection chose (`keyring-backend.txt` in the cache
folder: the class's name and the state of the installed packages) and, in later runs, asks that
one directly while the file is the user's own (not writable by others), no package was
installed or removed since (the site-packages folders' modification times), and the backend
loads and says it is viable (priority above 0). A remembered backend that fails or has no such
secret sends qcli back to keyring's detection, which it remembers again. The user's own choice
(PYTHON_KEYRING_BACKEND, any keyringrc.cfg) is left to keyring, which reads it before
detecting; the file is then neither read nor written.
"""

from __future__ import annotations

import os
import sys
from typing import Any

FORM = "qcli-keyring-backend 2"  # the file's first line
# keyring's answers not worth remembering: no keyring at all, and several chained (the chainer
# finds the backends it chains by detection anyway)
NOT_REMEMBERED = frozenset({"keyring.backends.fail.Keyring",
                            "keyring.backends.chainer.ChainerBackend"})
# how this process's backend is chosen: None = not yet, "user" (keyring reads the user's
# choice), "remembered", "detected" (by keyring, at the first call) or "kept" (detected, and
# remembered after the first call)
_choice: list[str | None] = [None]


def prepare(keyring: Any) -> str:
    """Once per process: give keyring the remembered backend where it can be. Returns how the
    backend is chosen (above)."""
    if _choice[0] is not None:
        return _choice[0]
    from keyring.util import platform_

    choice = "detected"
    if "PYTHON_KEYRING_BACKEND" in os.environ or (
            platform_.config_root() / "keyringrc.cfg").exists():
        choice = "user"
    elif (backend := _remembered(keyring)) is not None:
        keyring.core.set_keyring(backend)
        choice = "remembered"
    _choice[0] = choice
    return choice


def detected() -> str:
    """keyring's detection replaced the remembered backend (remember it after the call)."""
    _choice[0] = "detected"
    return "detected"


def remember(keyring: Any) -> None:
    """Remember the backend keyring's detection chose (or forget the one remembered when it
    chose none worth remembering). A cache: a file that cannot be written is no error."""
    from qcli.config.completion_cache import read, write
    from qcli.config.paths import keyring_backend_file

    _choice[0] = "kept"
    backend = type(keyring.get_keyring())
    name = f"{backend.__module__}.{backend.__qualname__}"
    path = keyring_backend_file()
    try:
        if name in NOT_REMEMBERED:
            if os.path.exists(path):
                os.unlink(path)
        elif read(path, FORM) != (lines := [name, installed()]):
            write(path, lines, FORM)
    except OSError:
        pass


def installed() -> str:
    """What changes when a package is installed or removed where qcli runs (a new backend may
    come with it): the modification times of the site-packages folders on sys.path."""
    stamps = []
    for entry in sys.path:
        if os.path.basename(entry.rstrip(os.sep)) in ("site-packages", "dist-packages"):
            try:
                stamps.append(f"{os.stat(entry).st_mtime_ns}")
            except OSError:
                stamps.append("-")
    return " ".join(stamps)


def _remembered(keyring: Any) -> Any | None:
    """The remembered backend, made, if the file is the user's own and current and names a
    viable backend class; else None (keyring detects)."""
    import importlib

    from qcli.config.completion_cache import read
    from qcli.config.paths import keyring_backend_file

    path = keyring_backend_file()
    try:
        info = os.stat(path)
    except OSError:
        return None
    if info.st_mode & 0o022 or (hasattr(os, "getuid") and info.st_uid != os.getuid()):
        return None  # another user could name the module qcli imports
    lines = read(path, FORM)
    if not lines or len(lines) != 2 or lines[1] != installed():
        return None
    module, _, name = lines[0].rpartition(".")
    if not module or not all(part.isidentifier() for part in lines[0].split(".")):
        return None
    try:
        backend: Any = getattr(importlib.import_module(module), name)
        if issubclass(backend, keyring.backend.KeyringBackend) and backend.priority > 0:
            return backend()  # as viable as detection requires
    except Exception:  # gone (uninstalled, renamed), not a class, or not viable (its priority
        pass  # raises)
    return None
