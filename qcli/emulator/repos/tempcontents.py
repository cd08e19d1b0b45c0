"""The temporary contents' repository: a row per upload (its length and committed offset), the
bytes in a file per upload."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qcli.emulator.store import Store


class TempContents:
    def __init__(self, store: Store):
        self.store = store
        self.dir = store.data_dir / "temp"
        self.dir.mkdir(parents=True, exist_ok=True)
        self._recover()

    def _recover(self) -> None:
        """After a crash a content file may hold bytes past the offset the database committed:
        cut them, so an upload's offset never counts bytes that were not durably stored."""
        for row in self.store.query('SELECT id, "offset" FROM temp_contents'):
            path = self.path(row["id"])
            if path.exists() and path.stat().st_size > row["offset"]:
                with open(path, "r+b") as fh:
                    fh.truncate(row["offset"])
                    os.fsync(fh.fileno())

    def path(self, temp_id: str) -> Path:
        return self.dir / temp_id

    def create(self, temp_id: str, filename: str, ttl: int, length: int, tus: bool,
               now: float) -> None:
        self.path(temp_id).touch()
        with self.store.transaction() as db:
            db.execute(
                'INSERT INTO temp_contents (id, filename, ttl, length, "offset", created, updated, '
                "tus) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                (temp_id, filename, ttl, length, now, now, int(tus)),
            )

    def get(self, temp_id: str) -> sqlite3.Row | None:
        rows = self.store.query("SELECT * FROM temp_contents WHERE id = ?", temp_id)
        return rows[0] if rows else None

    def set_offset(self, temp_id: str, offset: int, now: float, length: int | None = None
                   ) -> None:
        with self.store.transaction() as db:
            if length is None:
                db.execute('UPDATE temp_contents SET "offset" = ?, updated = ? WHERE id = ?',
                           (offset, now, temp_id))
            else:
                db.execute('UPDATE temp_contents SET "offset" = ?, length = ?, updated = ? '
                           "WHERE id = ?", (offset, length, now, temp_id))

    def delete(self, temp_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("DELETE FROM temp_contents WHERE id = ?", (temp_id,))
        self.path(temp_id).unlink(missing_ok=True)
