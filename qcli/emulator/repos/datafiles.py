"""The data files' repository: every SQL statement about data files and folders.

A row's `name` is its full path in its space (`a/b/c.csv`); `folder_id` is its parent folder's ID
(null at the top); `base_name` the last part; `blob` the content file's name under `datafiles/`.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qcli.emulator.store import Store

INSERT = ("INSERT INTO data_files (id, name, app_id, space_id, owner_id, size, blob, created, "
          "modified, folder, folder_id, base_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
SEED_BLOB = "seed-blob"  # shared by every seeded file


class NotAFolder(Exception):
    """A path part that is a file, so it cannot hold other items."""


def like_prefix(name: str) -> str:
    """A LIKE pattern for everything below the folder `name`."""
    return name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%"


@dataclass
class FileQuery:
    """A data-file list's filters (the spec's query parameters, resolved)."""

    spaces: list[str | None] | None = None  # None: one space, `space`
    space: str | None = None
    owner: str | None = None
    not_owner: str | None = None
    app: str | None = None  # "*": any app; None: no app
    name: str | None = None
    wildcard: str | None = None
    root: sqlite3.Row | None = None  # a folder to list below
    direct: bool = False  # only the items right in the root (or at the top)
    folders: bool = False
    files: bool = True
    hidden_suffixes: tuple[str, ...] = ()
    order: str = "name"
    descending: bool = False

    def sql(self) -> tuple[str, list[Any]]:
        sql, args = "SELECT * FROM data_files WHERE 1 = 1", list[Any]()
        if self.spaces is None:
            sql += " AND space_id IS ?"
            args.append(self.space)
        else:
            teams = [s for s in self.spaces if s is not None]
            sql += f" AND (space_id IS NULL OR space_id IN ({','.join('?' * len(teams))}))"
            args.extend(teams)
        for clause, value in ((" AND owner_id = ?", self.owner),
                              (" AND owner_id != ?", self.not_owner),
                              (" AND name = ?", self.name),
                              (" AND wildcard(?, base_name)", self.wildcard)):
            if value:
                sql += clause
                args.append(value)
        if self.app == "*":
            sql += " AND app_id IS NOT NULL"
        elif self.app:
            sql += " AND app_id = ?"
            args.append(self.app)
        else:
            sql += " AND app_id IS NULL"
        if self.root is not None:
            sql += " AND folder_id = ?" if self.direct else " AND name LIKE ? ESCAPE '\\'"
            args.append(self.root["id"] if self.direct else like_prefix(self.root["name"]))
        elif self.direct:
            sql += " AND folder_id IS NULL"
        if not self.files:
            sql += " AND folder = 1"
        elif not self.folders:
            sql += " AND folder = 0"
        for suffix in self.hidden_suffixes:
            sql += " AND name NOT LIKE ?"
            args.append(f"%{suffix}")
        sql += f" ORDER BY {self.order} {'DESC' if self.descending else 'ASC'}, id"
        return sql, args


class DataFiles:
    def __init__(self, store: Store):
        self.store = store
        self.content_dir = store.data_dir / "datafiles"
        self.content_dir.mkdir(exist_ok=True)

    def content(self, blob: str) -> Path:
        return self.content_dir / blob

    def get(self, file_id: str) -> sqlite3.Row | None:
        rows = self.store.query("SELECT * FROM data_files WHERE id = ?", file_id)
        return rows[0] if rows else None

    def folder_named(self, path: str, space_id: str | None) -> sqlite3.Row | None:
        rows = self.store.query("SELECT * FROM data_files WHERE name = ? AND folder = 1 AND "
                                "space_id IS ?", path, space_id)
        return rows[0] if rows else None

    def below(self, row: sqlite3.Row) -> list[sqlite3.Row]:
        """Everything inside the folder `row`, at any depth."""
        return self.store.query("SELECT * FROM data_files WHERE space_id IS ? AND name LIKE ? "
                                "ESCAPE '\\'", row["space_id"], like_prefix(row["name"]))

    def name_taken(self, name: str, space_id: str | None, app_id: str | None,
                   except_id: str | None = None) -> bool:
        rows = self.store.query("SELECT id FROM data_files WHERE name = ? AND space_id IS ? AND "
                                "app_id IS ?", name, space_id, app_id)
        return any(r["id"] != except_id for r in rows)

    def used(self) -> int:
        return int(self.store.query("SELECT COALESCE(SUM(size), 0) AS used FROM data_files"
                                    )[0]["used"])

    def top_level(self, space_id: str | None, owner: str | None) -> list[str]:
        """The IDs at the top of a space (of one owner's, for the personal space)."""
        extra, args = (" AND owner_id = ?", [owner]) if owner else ("", [])
        return [r["id"] for r in self.store.query(
            f"SELECT id FROM data_files WHERE space_id IS ? AND folder_id IS NULL{extra}",
            space_id, *args)]

    def page(self, query: FileQuery, start: int, count: int) -> list[sqlite3.Row]:
        sql, args = query.sql()
        return self.store.query(sql + " LIMIT ? OFFSET ?", *args, count, start)

    def _ensure_folders(self, db: sqlite3.Connection, path: str, space_id: str | None,
                        owner: str, stamp: str) -> str | None:
        """The ID of the folder `path` (a/b/c) in the space, made (with its parents) if missing."""
        parent: str | None = None
        sofar = ""
        for part in [p for p in path.split("/") if p]:
            sofar = f"{sofar}/{part}" if sofar else part
            row = db.execute("SELECT id, folder FROM data_files WHERE name = ? AND space_id IS ? "
                             "AND app_id IS NULL", (sofar, space_id)).fetchone()
            if row is not None and not row["folder"]:
                raise NotAFolder(sofar)
            if row is None:
                folder_id = str(uuid.uuid4())
                db.execute(INSERT, (folder_id, sofar, None, space_id, owner, 0, "", stamp, stamp,
                                    1, parent, part))
                parent = folder_id
            else:
                parent = row["id"]
        return parent

    def add(self, file_id: str, name: str, app_id: str | None, space_id: str | None,
            owner: str, size: int, stamp: str, *, folder: bool) -> bool:
        """Add a file (its content already at `content(file_id)`) or a folder, with the folders
        of its path; False when the name was taken meanwhile."""
        with self.store.transaction() as db:
            if self.name_taken(name, space_id, app_id):
                return False
            path = name.rpartition("/")[0]
            parent = self._ensure_folders(db, path, space_id, owner, stamp) if path else None
            db.execute(INSERT, (file_id, name, app_id, space_id, owner, size,
                                "" if folder else file_id, stamp, stamp, int(folder), parent,
                                name.rpartition("/")[2]))
        return True

    def update(self, row: sqlite3.Row, name: str, space_id: str | None, app_id: str | None,
               size: int | None, owner: str, stamp: str) -> None:
        """Rename, move or give new content (`size`) to a file or folder; a renamed folder takes
        its items along."""
        with self.store.transaction() as db:
            path = name.rpartition("/")[0]
            parent = self._ensure_folders(db, path, space_id, owner, stamp) if path else None
            db.execute("UPDATE data_files SET name = ?, space_id = ?, app_id = ?, size = ?, "
                       "owner_id = ?, modified = ?, folder_id = ?, base_name = ? WHERE id = ?",
                       (name, space_id, app_id, row["size"] if size is None else size,
                        owner if size is not None else row["owner_id"], stamp, parent,
                        name.rpartition("/")[2], row["id"]))
            if row["folder"] and name != row["name"]:
                for item in self.below(row):
                    db.execute("UPDATE data_files SET name = ?, space_id = ? WHERE id = ?",
                               (name + item["name"][len(row["name"]):], space_id, item["id"]))

    def set(self, file_id: str, stamp: str, **column: Any) -> None:
        """Set one column (owner_id or space_id) and the modified time."""
        ((name, value),) = column.items()
        assert name in ("owner_id", "space_id")
        with self.store.transaction() as db:
            db.execute(f"UPDATE data_files SET {name} = ?, modified = ? WHERE id = ?",
                       (value, stamp, file_id))

    def delete(self, rows: list[sqlite3.Row]) -> None:
        with self.store.transaction() as db:
            db.executemany("DELETE FROM data_files WHERE id = ?", [(r["id"],) for r in rows])
        for r in rows:
            if r["blob"] and r["blob"] != SEED_BLOB:
                self.content(r["blob"]).unlink(missing_ok=True)

    def seed(self, count: int, prefix: str, space_id: str | None, owner: str, stamp: str
             ) -> list[str]:
        """`count` small files, straight into the store (for listing tests)."""
        self.content(SEED_BLOB).write_bytes(b"seeded\n")
        ids = [str(uuid.uuid4()) for _ in range(count)]
        with self.store.transaction() as db:
            db.executemany(INSERT, [(file_id, f"{prefix}{i:05d}.csv", None, space_id, owner, 7,
                                     SEED_BLOB, stamp, stamp, 0, None, f"{prefix}{i:05d}.csv")
                                    for i, file_id in enumerate(ids)])
        return ids
