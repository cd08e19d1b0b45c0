"""Where qcli keeps its files. QCLI_CONFIG_DIR overrides the config folder.

The *_folder functions give the same places as strings, with os.path only: a TAB reads the
completion cache without pathlib (which imports re, fnmatch and urllib.parse: ~5 ms)."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path


def config_dir(env: dict[str, str] | None = None) -> Path:
    from pathlib import Path

    return Path(config_folder(env))


def config_folder(env: dict[str, str] | None = None) -> str:
    env = env if env is not None else dict(os.environ)
    override = env.get("QCLI_CONFIG_DIR")
    if override:
        return os.path.expanduser(override)
    return _user_dir("XDG_CONFIG_HOME", "~/.config", "user_config_dir")


def state_dir() -> Path:
    from pathlib import Path

    return Path(_user_dir("XDG_STATE_HOME", "~/.local/state", "user_state_dir"))


def cache_folder() -> str:
    return _user_dir("XDG_CACHE_HOME", "~/.cache", "user_cache_dir")


def _user_dir(variable: str, default: str, name: str) -> str:
    """platformdirs' `name`("qcli"). On Linux its rule is computed here in the usual cases: an
    absolute $XDG_..._HOME, or none (unset or empty) and an absolute $HOME; importing
    platformdirs cost ~2 ms of a command without QCLI_CONFIG_DIR and ~4.5 ms of a TAB that
    reads the completion cache.
    Anything else (a relative XDG value, no usable HOME, Android, macOS, Windows) is asked of
    platformdirs. tests/config/test_paths.py holds the two to the same answers."""
    if sys.platform == "linux" and not _android():
        value = os.environ.get(variable, "")
        if value.startswith("/"):
            return os.path.join(value, "qcli")
        if not value and os.environ.get("HOME", "").startswith("/"):
            return os.path.join(os.path.expanduser(default), "qcli")
    import platformdirs

    return str(getattr(platformdirs, name)("qcli"))


def _android() -> bool:
    """platformdirs' own test for Android, whose folders it finds elsewhere."""
    return hasattr(sys, "getandroidapilevel") or (
        os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system")


def completion_folder() -> str:
    """The completion cache's folder (qcli.config.completion_cache reads and writes its files)."""
    return os.path.join(cache_folder(), "completion")


def keyring_backend_file() -> str:
    """Where qcli remembers the keyring backend that keyring's detection chose
    (qcli.config.credentials)."""
    return os.path.join(cache_folder(), "keyring-backend.txt")


def completion_cache_name(kind: str, server: str) -> str:
    """The completion cache's file of `kind` for `server` (a server URL; for the contexts
    summary, the path of contexts.yml)."""
    import hashlib

    key = server.strip()  # the server as normalize_server gives it (idempotent on its output)
    key = (key if "://" in key else "https://" + key).rstrip("/")
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return os.path.join(completion_folder(), f"{kind}-{digest}.txt")


def ensure_private_dir(path: Path) -> Path:
    """Create a folder readable by its owner only (0700); missing parents are made 0700 too
    (mkdir's mode does not reach the parents it creates)."""
    import contextlib

    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=0o700)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o700)
    return path
