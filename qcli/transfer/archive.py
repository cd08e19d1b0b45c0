"""Extension archives: a .zip as it is, or a directory zipped on the fly. Both need a .qext."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from qcli.errors import UsageError

SKIP_NAMES = {".git", ".svn", "__MACOSX", ".DS_Store", "node_modules", "__pycache__"}


@dataclass
class Archive:
    filename: str
    content: bytes
    qext: str  # path of the .qext inside the archive


def _qext_in(names: list[str]) -> str | None:
    qexts = sorted((n for n in names if n.lower().endswith(".qext")), key=lambda n: n.count("/"))
    return qexts[0] if qexts else None


def _os_problem(path: str, exc: OSError) -> UsageError:
    reason = exc.strerror or str(exc)
    return UsageError(f"cannot read {path}: {reason}")


def _directory_has_qext(directory: Path) -> bool:
    """A .qext at the top or one folder down, where extensions keep it (checked before zipping,
    so a wrong folder fails at once instead of after zipping all of it)."""
    try:
        for entry in directory.iterdir():
            if entry.is_file() and entry.name.lower().endswith(".qext"):
                return True
        folders = [e for e in directory.iterdir() if e.is_dir() and e.name not in SKIP_NAMES]
        for folder in folders:
            if any(f.is_file() and f.name.lower().endswith(".qext") for f in folder.iterdir()):
                return True
    except OSError:
        return False
    return False


STABLE_TIME = (1980, 1, 1, 0, 0, 0)  # the zip format's first date


def zip_directory(directory: Path, *, stable: bool = False) -> bytes:
    """The folder as a zip, sorted; `stable`: the same files give the same bytes whatever their
    mtimes (one date, one mode), so an unchanged checkout has an unchanged checksum."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for root, dirs, files in os.walk(directory):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_NAMES)
            for name in sorted(files):
                if name in SKIP_NAMES:
                    continue
                full = Path(root) / name
                arcname = full.relative_to(directory).as_posix()
                try:
                    if stable:
                        info = zipfile.ZipInfo(arcname, STABLE_TIME)
                        info.compress_type = zipfile.ZIP_DEFLATED
                        info.external_attr = 0o644 << 16
                        zf.writestr(info, full.read_bytes())
                    else:
                        zf.write(full, arcname)
                except OSError as exc:
                    raise _os_problem(str(full), exc) from None
    return buffer.getvalue()


def load_archive(source: str, stdin: IO[bytes] | None = None, *,
                 stable: bool = False) -> Archive:
    """Read ZIP, DIR or '-' (a zip on stdin); exit 2 on anything that is not an extension."""
    if not source.strip():  # Path("") is the current folder: never zip that by accident
        raise UsageError("the extension path is empty: give a folder, a .zip or '-' for stdin")
    if source == "-":
        if stdin is None:
            raise UsageError("no archive on stdin")
        content = stdin.read()
        filename = "extension.zip"
    else:
        path = Path(source)
        if not path.exists():
            raise UsageError(f"no such file or directory: {source}")
        if path.is_dir():
            if not _directory_has_qext(path):
                raise UsageError(f"{source} has no .qext file: an extension needs one "
                                 "(e.g. my-chart.qext beside my-chart.js)")
            content = zip_directory(path, stable=stable)
            filename = f"{path.resolve().name or 'extension'}.zip"
        else:
            try:
                content = path.read_bytes()
            except OSError as exc:
                raise _os_problem(source, exc) from None
            filename = path.name
    if not content:
        raise UsageError(f"{source} is empty")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            names = zf.namelist()
    except zipfile.BadZipFile:
        raise UsageError(f"{source} is not a zip archive or a directory") from None
    qext = _qext_in(names)
    if qext is None:
        raise UsageError(f"{source} has no .qext file: an extension needs one "
                         "(e.g. my-chart.qext beside my-chart.js)")
    return Archive(filename=filename, content=content, qext=qext)


def list_entries(content: bytes) -> list[dict[str, object]]:
    """The files inside a zip archive, as rows."""
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        rows: list[dict[str, object]] = []
        for info in zf.infolist():
            if info.is_dir():
                continue
            y, mo, d, h, mi, s = info.date_time
            rows.append({
                "path": info.filename,
                "size": info.file_size,
                "compressedSize": info.compress_size,
                "modified": f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}",
            })
    return rows
