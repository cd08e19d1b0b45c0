"""Durable state: metadata in SQLite (WAL, synchronous=FULL), content in files under data_dir.

A blob is written to a temp file, fsynced and renamed before the row naming it is committed,
so a restart (or a kill) never leaves a row pointing at missing bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS extensions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    qext_filename TEXT NOT NULL,
    doc TEXT NOT NULL,
    blob TEXT,
    deleted INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS extensions_qext ON extensions (qext_filename);
CREATE TABLE IF NOT EXISTS temp_contents (
    id TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    ttl INTEGER NOT NULL,
    length INTEGER NOT NULL,
    "offset" INTEGER NOT NULL DEFAULT 0,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    tus INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS data_files (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    app_id TEXT,
    space_id TEXT,
    owner_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    blob TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL,
    folder INTEGER NOT NULL DEFAULT 0,
    folder_id TEXT,
    base_name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS data_files_scope ON data_files (space_id, app_id, name);
CREATE TABLE IF NOT EXISTS data_stores (id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS data_assets (
    id TEXT PRIMARY KEY, store_id TEXT NOT NULL, doc TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS data_sets (
    id TEXT PRIMARY KEY, asset_id TEXT NOT NULL, store_id TEXT NOT NULL, doc TEXT NOT NULL,
    seq INTEGER NOT NULL);
"""


def _wildcard(pattern: str, value: str) -> bool:
    """`*` and `?` wildcards, case-insensitive (baseNameWildcard)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value or "", re.IGNORECASE | re.DOTALL) is not None


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


class Store:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.blob_dir = data_dir / "blobs"
        self.blob_dir.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(data_dir / "emulator.sqlite3", check_same_thread=False,
                                  isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(SCHEMA)
        self._add_columns("data_files", {"folder": "INTEGER NOT NULL DEFAULT 0", "folder_id": "TEXT",
                                         "base_name": "TEXT NOT NULL DEFAULT ''"})
        self.db.create_function("wildcard", 2, _wildcard, deterministic=True)
        self.lock = threading.RLock()
        self.temp_dir = data_dir / "temp"
        self.temp_dir.mkdir(parents=True, exist_ok=True)
        self._recover_uploads()
        self.data_stores = Documents(self, "data_stores")
        self.data_assets = Documents(self, "data_assets", ("store_id",))
        self.data_sets = Documents(self, "data_sets", ("asset_id", "store_id"))

    def _add_columns(self, table: str, columns: dict[str, str]) -> None:
        """Columns added since a data folder was made (it outlives emulator versions)."""
        have = {r["name"] for r in self.db.execute(f"PRAGMA table_info({table})")}
        for name, decl in columns.items():
            if name not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
        if "base_name" not in have:
            self.db.execute("UPDATE data_files SET base_name = name")

    def _recover_uploads(self) -> None:
        """After a crash a content file may hold bytes past the offset the database committed:
        cut them, so an upload's offset never counts bytes that were not durably stored."""
        for row in self.query('SELECT id, "offset" FROM temp_contents'):
            path = self.temp_path(row["id"])
            if path.exists() and path.stat().st_size > row["offset"]:
                with open(path, "r+b") as fh:
                    fh.truncate(row["offset"])
                    os.fsync(fh.fileno())

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT")

    def query(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self.lock:
            return list(self.db.execute(sql, args))

    # -- blobs -----------------------------------------------------------------------------------
    def put_blob(self, content: bytes) -> str:
        digest = hashlib.sha256(content).hexdigest()
        target = self.blob_dir / digest
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=self.blob_dir, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        return digest

    def blob_path(self, digest: str) -> Path:
        return self.blob_dir / digest

    def get_blob(self, digest: str) -> bytes:
        return self.blob_path(digest).read_bytes()

    # -- extensions ------------------------------------------------------------------------------
    def extension_rows(self) -> list[sqlite3.Row]:
        return self.query("SELECT * FROM extensions WHERE deleted = 0 ORDER BY seq")

    def find_extension(self, key: str) -> tuple[sqlite3.Row | None, bool]:
        """(live row, any deleted match) for an ID or qext file name."""
        rows = self.query(
            "SELECT * FROM extensions WHERE id = ? OR qext_filename = ? ORDER BY deleted, seq DESC",
            key, key,
        )
        live = [r for r in rows if not r["deleted"]]
        by_id = [r for r in live if r["id"] == key]
        found = (by_id or live)[0] if (by_id or live) else None
        return found, any(r["deleted"] for r in rows)

    def name_taken(self, name: str, qext: str, except_id: str | None = None) -> bool:
        rows = self.query(
            "SELECT id FROM extensions WHERE deleted = 0 AND (name = ? OR qext_filename = ?)",
            name, qext,
        )
        return any(r["id"] != except_id for r in rows)

    def save_extension(self, doc: dict[str, Any], blob: str | None) -> None:
        with self.transaction() as db:
            seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM extensions").fetchone()[0]
            db.execute(
                "INSERT INTO extensions (id, name, qext_filename, doc, blob, seq) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, "
                "qext_filename = excluded.qext_filename, doc = excluded.doc, blob = excluded.blob",
                (doc["id"], doc.get("name", ""), doc.get("qextFilename", ""), json.dumps(doc),
                 blob, seq),
            )

    def delete_extension(self, ext_id: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE extensions SET deleted = 1 WHERE id = ?", (ext_id,))

    # -- temporary contents ----------------------------------------------------------------------
    def temp_path(self, temp_id: str) -> Path:
        return self.temp_dir / temp_id

    def create_temp(self, temp_id: str, filename: str, ttl: int, length: int, tus: bool,
                    now: float) -> None:
        self.temp_path(temp_id).touch()
        with self.transaction() as db:
            db.execute(
                'INSERT INTO temp_contents (id, filename, ttl, length, "offset", created, updated, '
                "tus) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                (temp_id, filename, ttl, length, now, now, int(tus)),
            )

    def get_temp(self, temp_id: str) -> sqlite3.Row | None:
        rows = self.query("SELECT * FROM temp_contents WHERE id = ?", temp_id)
        return rows[0] if rows else None

    def set_temp_offset(self, temp_id: str, offset: int, now: float, length: int | None = None
                        ) -> None:
        with self.transaction() as db:
            if length is None:
                db.execute('UPDATE temp_contents SET "offset" = ?, updated = ? WHERE id = ?',
                           (offset, now, temp_id))
            else:
                db.execute('UPDATE temp_contents SET "offset" = ?, length = ?, updated = ? '
                           "WHERE id = ?", (offset, length, now, temp_id))

    def delete_temp(self, temp_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM temp_contents WHERE id = ?", (temp_id,))
        self.temp_path(temp_id).unlink(missing_ok=True)
