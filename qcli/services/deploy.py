"""extension deploy PATH...: create each extension, or update the one with the same
qextFilename, or skip it when the tenant already holds the same archive.

"The same" is the tenant's `checksum` (SHA-256 of the archive) equal to the archive's; a tenant
that gives no checksum is compared by the .qext version and the archive's size. A directory is
zipped stably (one date and mode for every entry), so an unchanged folder in a fresh checkout
gives the same checksum. One listing of the extensions, then the bulk engine (workers, shared
429 pause, progress, one result per path, the batch exit rule). Re-run after a kill: what
landed reads as unchanged."""

from __future__ import annotations

import hashlib
import json
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qcli.errors import UsageError
from qcli.services.bulk import Item, check_parallel, finish, run_items

if TYPE_CHECKING:
    from qcli.app import Application
    from qcli.transfer.archive import Archive


@dataclass
class Local:
    path: str
    archive: Archive
    qext_filename: str
    version: str | None
    checksum: str


def read(path: str) -> Local:
    """The archive of PATH (a .zip or a folder) and what identifies it; exit 2 if it is none."""
    import io
    import zipfile

    from qcli.transfer.archive import load_archive

    archive = load_archive(path, None, stable=True)
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zf:
        try:
            qext = json.loads(zf.read(archive.qext).decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            raise UsageError(f"{path}: {archive.qext} is not valid JSON") from None
    version = qext.get("version") if isinstance(qext, dict) else None
    stem = posixpath.splitext(posixpath.basename(archive.qext))[0]
    return Local(path, archive, stem, None if version is None else str(version),
                 hashlib.sha256(archive.content).hexdigest())


def unchanged(local: Local, there: dict[str, Any]) -> bool:
    checksum = there.get("checksum")
    if isinstance(checksum, str) and checksum:
        return checksum.lower() == local.checksum
    size = (there.get("file") or {}).get("size")
    return (local.version is not None and str(there.get("version")) == local.version
            and size == len(local.archive.content))


def deploy(a: Application, paths: list[str], parallel: int | None, dry_run: bool) -> None:
    workers = check_parallel(parallel)
    locals_ = [read(p) for p in paths]  # exit 2 before any request
    seen: dict[str, str] = {}
    for local in locals_:
        if local.qext_filename in seen:
            raise UsageError(f"{seen[local.qext_filename]} and {local.path} are the same "
                             f"extension ({local.qext_filename}.qext): give one of them")
        seen[local.qext_filename] = local.path
    existing = {str(e.get("qextFilename")): e for e in a.extensions.list_extensions()}
    items = []
    for local in locals_:
        there = existing.get(local.qext_filename)
        if there is None:
            item = Item(local.qext_filename, "create", len(local.archive.content))
            item.run = _create(a, local)
        elif unchanged(local, there):
            item = Item(local.qext_filename, "skip", id=there.get("id"))
        else:
            item = Item(local.qext_filename, "update", len(local.archive.content),
                        id=there.get("id"))
            item.run = _update(a, local, str(there.get("id")))
        items.append(item)
    if dry_run:
        for item in items:
            item.outcome("planned")
        from qcli.services.bulk import RESULT_COLUMNS

        a.printer.items([i.result for i in items], columns=RESULT_COLUMNS, id_key="name")
        return
    run_items(a, items, workers, "deploy")
    finish(a, items, "extensions")


def _create(a: Application, local: Local) -> Any:
    def run() -> str | None:
        return a.extensions.create_extension(local.archive, None).id
    return run


def _update(a: Application, local: Local, extension_id: str) -> Any:
    def run() -> str | None:
        return a.extensions.patch_extension(extension_id, local.archive, None).id
    return run
