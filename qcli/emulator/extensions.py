"""The extensions API: seven endpoints with the reference's status codes and error envelope."""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import posixpath
import secrets
import zipfile
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from qcli.emulator import kit
from qcli.emulator.kit import Problem, emulator, json_part, now
from qcli.emulator.store import Store

# fields a client may set through `data`; the rest are the server's
WRITABLE = {
    "file", "icon", "name", "tags", "type", "author", "bundle", "bundled", "license", "preview",
    "version", "checksum", "homepage", "keywords", "loadpath", "supplier", "supernova",
    "deprecated", "repository", "description", "qextVersion", "dependencies", "qextFilename",
}
FROM_QEXT = ("name", "type", "version", "author", "description", "icon", "preview", "keywords",
             "homepage", "license", "repository", "dependencies", "supernova", "supplier")


def _store(request: Request) -> Store:
    return emulator(request).store


async def _read_parts(request: Request) -> tuple[dict[str, Any] | None, tuple[str, bytes] | None]:
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data"):
        raise Problem(415, "expected multipart/form-data with parts 'file' and 'data'")
    form = await request.form()
    archive: tuple[str, bytes] | None = None
    data = await json_part(form, "data", 415)
    unknown = sorted(set(data or {}) - WRITABLE - {"id", "userId", "tenantId", "createdAt",
                                                   "updateAt"})
    if unknown:
        raise Problem(422, f"unknown properties in data: {', '.join(unknown)}")
    _check_date((data or {}).get("deprecated"))
    upload = form.get("file")
    if upload is not None and not isinstance(upload, str):
        archive = (upload.filename or "extension.zip", await upload.read())
    if data is None and archive is None:
        raise Problem(422, "give a 'file' part (the archive), a 'data' part, or both")
    return data, archive


def _check_date(value: Any) -> None:
    """`deprecated` is a date (the schema's format "date": YYYY-MM-DD)."""
    import datetime

    if value is None:
        return
    try:
        datetime.date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "")
    except ValueError:
        raise Problem(422, f"deprecated must be a date such as 2024-01-31, not {value!r}") from None


def _inspect_archive(content: bytes) -> dict[str, Any]:
    """Fields taken from the archive's .qext file."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise Problem(422, "the file is not a valid zip archive") from None
    with zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        qexts = sorted((n for n in names if n.lower().endswith(".qext")),
                       key=lambda n: n.count("/"))
        if not qexts:
            raise Problem(422, "the archive has no .qext file")
        try:
            qext = json.loads(zf.read(qexts[0]).decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError):
            raise Problem(422, f"{qexts[0]} is not valid JSON") from None
    if not isinstance(qext, dict):
        raise Problem(422, f"{qexts[0]} is not a JSON object")
    stem = posixpath.splitext(posixpath.basename(qexts[0]))[0]
    fields = {k: qext[k] for k in FROM_QEXT if k in qext}
    fields["qextFilename"] = stem
    if "version" in qext:
        fields["qextVersion"] = str(qext["version"])
    js = posixpath.join(posixpath.dirname(qexts[0]), f"{stem}.js")
    if js in names:
        fields["loadpath"] = js
    fields["checksum"] = hashlib.sha256(content).hexdigest()
    return fields


def _doc(row: Any) -> dict[str, Any]:
    return json.loads(row["doc"])


def _lookup(request: Request) -> Any:
    key = request.path_params["id"]
    row, deleted = _store(request).extensions.find(key)
    if row is None:
        if deleted:
            raise Problem(410, f"extension {key} has been deleted")
        raise Problem(404, f"could not find the extension with {key}")
    return row


async def list_extensions(request: Request) -> Response:
    return JSONResponse({"data": [_doc(r) for r in _store(request).extensions.live()]})


async def create_extension(request: Request) -> Response:
    store = _store(request)
    data, archive = await _read_parts(request)
    doc: dict[str, Any] = {}
    blob = None
    if archive is not None:
        doc.update(_inspect_archive(archive[1]))
        doc["file"] = {"filename": archive[0], "size": len(archive[1]),
                       "contentType": "application/zip"}
    doc.update({k: v for k, v in (data or {}).items() if k in WRITABLE})
    qext = str(doc.get("qextFilename") or doc.get("name") or "")
    name = str(doc.get("name") or qext)
    if not name:
        raise Problem(422, "an extension needs a name (from data or the .qext file)")
    doc["name"], doc["qextFilename"] = name, qext or name
    if store.extensions.name_taken(name, doc["qextFilename"]):
        raise Problem(409, f"an extension named {name!r} already exists", resource=name)
    if archive is not None:
        blob = store.put_blob(archive[1])
    stamp = now()
    doc.update(id=secrets.token_hex(12), tenantId=emulator(request).tenant_id,
               userId=emulator(request).user_id, createdAt=stamp, updateAt=stamp)
    doc.setdefault("tags", [])
    doc.setdefault("bundled", False)
    doc.setdefault("supernova", False)
    store.extensions.save(doc, blob)
    return JSONResponse(doc, status_code=201)


async def get_extension(request: Request) -> Response:
    return JSONResponse(_doc(_lookup(request)))


async def patch_extension(request: Request) -> Response:
    store = _store(request)
    row = _lookup(request)
    data, archive = await _read_parts(request)
    doc = _doc(row)
    blob = row["blob"]
    if archive is not None:
        fields = _inspect_archive(archive[1])
        fields.pop("name", None)  # renaming goes through data.name
        doc.update(fields)
        doc["file"] = {"filename": archive[0], "size": len(archive[1]),
                       "contentType": "application/zip"}
    doc.update({k: v for k, v in (data or {}).items() if k in WRITABLE})
    if store.extensions.name_taken(doc["name"], doc["qextFilename"], except_id=doc["id"]):
        raise Problem(409, f"an extension named {doc['name']!r} already exists",
                      resource=doc["name"])
    if archive is not None:
        blob = store.put_blob(archive[1])
    doc["updateAt"] = now()
    store.extensions.save(doc, blob)
    return JSONResponse(doc)


async def delete_extension(request: Request) -> Response:
    row = _lookup(request)
    _store(request).extensions.delete(row["id"])
    return Response(status_code=204)


def _archive_of(request: Request) -> tuple[Any, bytes]:
    row = _lookup(request)
    if not row["blob"]:
        raise Problem(404, f"extension {row['id']} has no archive")
    return row, _store(request).get_blob(row["blob"])


async def download_extension(request: Request) -> Response:
    row, content = _archive_of(request)
    filename = f"{row['qext_filename']}.zip"
    return Response(content, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def download_extension_file(request: Request) -> Response:
    row, content = _archive_of(request)
    wanted = request.path_params["filepath"].lstrip("/")
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        names = zf.namelist()
        if wanted not in names:
            raise Problem(404, f"the file {wanted} does not exist in the archive of {row['id']}")
        data = zf.read(wanted)
    media = mimetypes.guess_type(wanted)[0] or "application/octet-stream"
    return Response(data, media_type=media)


routes = kit.routes("/api/v1/extensions", {
    "": {"GET": list_extensions, "POST": create_extension},
    "/{id}": {"GET": get_extension, "PATCH": patch_extension, "DELETE": delete_extension},
    "/{id}/file": {"GET": download_extension},
    "/{id}/file/{filepath:path}": {"GET": download_extension_file},
}, check=False)
