"""Where qcli keeps its files. QCLI_CONFIG_DIR overrides the config folder."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def config_dir(env: dict[str, str] | None = None) -> Path:
    env = env if env is not None else dict(os.environ)
    override = env.get("QCLI_CONFIG_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("qcli"))


def state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir("qcli"))


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("qcli"))


def completion_cache_file(kind: str, server: str) -> Path:
    """The completion cache's file of `kind` for `server` (a server URL; for the contexts
    summary, the path of contexts.yml)."""
    import hashlib

    key = server.strip()  # the server as normalize_server gives it (idempotent on its output)
    key = (key if "://" in key else "https://" + key).rstrip("/")
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return cache_dir() / "completion" / f"{kind}-{digest}.json"


def ensure_private_dir(path: Path) -> Path:
    """Create a folder readable by its owner only (0700); missing parents are made 0700 too
    (mkdir's mode does not reach the parents it creates)."""
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
