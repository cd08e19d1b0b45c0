"""Durable state: metadata in SQLite (WAL, synchronous=FULL), content in files under data_dir.

A blob is written to a temp file, fsynced and renamed before the row naming it is committed,
so a restart (or a kill) never leaves a row pointing at missing bytes.
"""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qcli.emulator.repos import DataFiles, Documents, Extensions, TempContents

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
        self.extensions = Extensions(self)
        self.temp_contents = TempContents(self)
        self.data_files = DataFiles(self)
        self.data_stores = Documents(self, "data_stores")
        self.data_assets = Documents(self, "data_assets", ("store_id",))
        self.data_sets = Documents(self, "data_sets", ("asset_id", "store_id"))

    def close(self) -> None:
        """Close the database: SQLite folds its write-ahead log back into emulator.sqlite3, so
        the data directory is one file again once the emulator stops."""
        with self.lock:
            self.db.close()

    def _add_columns(self, table: str, columns: dict[str, str]) -> None:
        """Columns added since a data folder was made (it outlives emulator versions)."""
        have = {r["name"] for r in self.db.execute(f"PRAGMA table_info({table})")}
        for name, decl in columns.items():
            if name not in have:
                self.db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
        if "base_name" not in have:
            self.db.execute("UPDATE data_files SET base_name = name")

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
