"""The catalog's repository: JSON documents of one kind (data stores, data assets, data sets)."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qcli.emulator.store import Store


class Documents:
    """The repository of one kind of JSON document (a catalog resource): a table of id, doc, seq
    (the order they were made in) and the IDs of the documents it belongs to (`parents`)."""

    def __init__(self, store: Store, table: str, parents: tuple[str, ...] = ()):
        self.store, self.table, self.parents = store, table, parents

    def _rows(self, where: str = "", args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return self.store.query(f"SELECT * FROM {self.table}{where} ORDER BY seq", *args)

    def all(self, **within: list[str] | None) -> list[dict[str, Any]]:
        """Every document, or those whose parent column is one of the given IDs
        (`all(store_id=[...])`; None: any)."""
        return [json.loads(r["doc"]) for r in self.rows(**within)]

    def rows(self, **within: list[str] | None) -> list[sqlite3.Row]:
        clauses, args = [], []
        for column, ids in within.items():
            if ids is not None:
                assert column in self.parents
                clauses.append(f"{column} IN ({','.join('?' * len(ids))})")
                args.extend(ids)
        return self._rows(" WHERE " + " AND ".join(clauses) if clauses else "", tuple(args))

    def get(self, doc_id: str) -> dict[str, Any] | None:
        rows = self._rows(" WHERE id = ?", (doc_id,))
        return json.loads(rows[0]["doc"]) if rows else None

    def add(self, doc: dict[str, Any], **parents: str) -> None:
        columns = ["id", "doc", "seq", *self.parents]
        with self.store.transaction() as db:
            seq = db.execute(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {self.table}").fetchone()[0]
            db.execute(f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES "
                       f"({', '.join('?' * len(columns))})",
                       (doc["id"], json.dumps(doc), seq, *(parents[p] for p in self.parents)))

    def put(self, doc: dict[str, Any]) -> None:
        with self.store.transaction() as db:
            db.execute(f"UPDATE {self.table} SET doc = ? WHERE id = ?", (json.dumps(doc), doc["id"]))

    def delete(self, ids: list[str], *, children: Documents | None = None,
               column: str = "") -> None:
        """Delete documents, and those of `children` whose `column` names one of them."""
        with self.store.transaction() as db:
            if children is not None:
                db.executemany(f"DELETE FROM {children.table} WHERE {column} = ?",
                               [(i,) for i in ids])
            db.executemany(f"DELETE FROM {self.table} WHERE id = ?", [(i,) for i in ids])
