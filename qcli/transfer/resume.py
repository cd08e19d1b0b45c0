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
        self._held: set[str] = set()  # the keys whose lock this process holds (exclusive)

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
        """Forget the upload; its lock file goes too, unless a process holds it."""
        with contextlib.suppress(FileNotFoundError):
            self._file(key).unlink()
        if key in self._held:  # the holder's block removes it as it ends (locking it again
            return  # here would release the lock where flock is POSIX locks: NFS)
        with contextlib.suppress(OSError), self.exclusive(key, create=False):
            pass  # taken (not held elsewhere): with no state left, the lock file goes

    @contextlib.contextmanager
    def exclusive(self, key: str, *, create: bool = True) -> Iterator[bool]:
        """Hold the upload's lock for the block; yields False when another process holds it.
        The lock file goes when the block ends with no upload left to resume (done, or never
        begun), so that a lock file is left only beside an upload's state. Without `create`,
        a missing lock file is FileNotFoundError."""
        import fcntl
        import os

        if create:
            ensure_private_dir(self.directory)
        path = self.directory / f"{key}.lock"
        while True:
            fd = os.open(path, os.O_RDWR | (os.O_CREAT if create else 0), 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                yield False
                return
            try:  # still the file at that path (its holder may have removed it meanwhile)?
                here = os.stat(path)
                mine = os.fstat(fd)
                if (here.st_dev, here.st_ino) == (mine.st_dev, mine.st_ino):
                    break
            except FileNotFoundError:
                pass
            os.close(fd)  # a removed lock file: lock the one at the path now
        self._held.add(key)
        try:
            yield True
        finally:
            self._held.discard(key)
            if not self._file(key).exists():
                with contextlib.suppress(OSError):
                    path.unlink()  # while held: a later locker opens a new file
            os.close(fd)
