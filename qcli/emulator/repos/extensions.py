"""The extensions' repository: a row per extension (its document, archive blob, a deleted mark)."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qcli.emulator.store import Store


class Extensions:
    def __init__(self, store: Store):
        self.store = store

    def live(self) -> list[sqlite3.Row]:
        return self.store.query("SELECT * FROM extensions WHERE deleted = 0 ORDER BY seq")

    def find(self, key: str) -> tuple[sqlite3.Row | None, bool]:
        """(live row, any deleted match) for an ID or qext file name."""
        rows = self.store.query(
            "SELECT * FROM extensions WHERE id = ? OR qext_filename = ? ORDER BY deleted, seq DESC",
            key, key,
        )
        live = [r for r in rows if not r["deleted"]]
        by_id = [r for r in live if r["id"] == key]
        found = (by_id or live)[0] if (by_id or live) else None
        return found, any(r["deleted"] for r in rows)

    def name_taken(self, name: str, qext: str, except_id: str | None = None) -> bool:
        rows = self.store.query(
            "SELECT id FROM extensions WHERE deleted = 0 AND (name = ? OR qext_filename = ?)",
            name, qext,
        )
        return any(r["id"] != except_id for r in rows)

    def save(self, doc: dict[str, Any], blob: str | None) -> None:
        with self.store.transaction() as db:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM extensions").fetchone()[0]
            db.execute(
                "INSERT INTO extensions (id, name, qext_filename, doc, blob, seq) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                "qext_filename = excluded.qext_filename, doc = excluded.doc, blob = excluded.blob",
                (doc["id"], doc.get("name", ""), doc.get("qextFilename", ""), json.dumps(doc),
                 blob, seq),
            )

    def delete(self, ext_id: str) -> None:
        with self.store.transaction() as db:
            db.execute("UPDATE extensions SET deleted = 1 WHERE id = ?", (ext_id,))
