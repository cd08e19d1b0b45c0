"""Where interrupted uploads are remembered: one small JSON file per upload, written atomically
under user_state_dir("qcli")/uploads before the first byte is sent, removed on success."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qcli.config.atomic import write_private
from qcli.config.paths import ensure_private_dir


class ResumeStore:
    def __init__(self, directory: Path):
        self.directory = directory

    @staticmethod
    def key(path: Path, size: int, mtime_ns: int, server: str) -> str:
        raw = json.dumps([str(path.resolve()), size, mtime_ns, server.rstrip("/")])
        return hashlib.sha256(raw.encode()).hexdigest()[:32]

    def _file(self, key: str) -> Path:
        return self.directory / f"{key}.json"

    def load(self, key: str) -> dict[str, Any] | None:
        try:
            entry = json.loads(self._file(key).read_text())
        except (OSError, ValueError):
            return None
        return entry if isinstance(entry, dict) and isinstance(entry.get("url"), str) else None

    def save(self, key: str, entry: dict[str, Any]) -> None:
        ensure_private_dir(self.directory)
        entry = dict(entry, saved=time.time())
        write_private(self._file(key), json.dumps(entry, indent=2).encode())

    def remove(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self._file(key).unlink()

    @contextlib.contextmanager
    def exclusive(self, key: str) -> Iterator[bool]:
        """Hold the upload's lock for the block; yields False when another process holds it."""
        import fcntl
        import os

        ensure_private_dir(self.directory)
        fd = os.open(self.directory / f"{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)
