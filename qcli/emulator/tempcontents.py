"""Temporary contents: tus 1.0.0 uploads (creation, HEAD, PATCH, termination), the single-shot
POST, ranged downloads and details, with the reference's status codes.

Content streams to a file per upload; the committed offset moves only after the bytes are
fsynced, so a restart (or a kill) of the emulator mid-upload keeps a correct offset.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import os
import re
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from qcli.emulator.kit import Problem, emulator, timestamp

TUS_VERSION = "1.0.0"
MAX_TTL = 259200
DEFAULT_TTL = 3600
FILES = "/api/v1/temp-contents/files"
READ_CHUNK = 1024 * 1024


def _tus_headers(extra: dict[str, str] | None = None) -> dict[str, str]:
    headers = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}
    headers.update(extra or {})
    return headers


def _tus_error(status: int, detail: str, code: str, **headers: str) -> Problem:
    return Problem(status, detail, code, headers=_tus_headers(headers))


def _parse_ttl(raw: str | None) -> int | str:
    """The TTL in seconds, or the reason it is not valid."""
    if raw is None or raw == "":
        return DEFAULT_TTL
    try:
        ttl = int(raw)
    except ValueError:
        return f"ttl must be an integer, got {raw!r}"
    if not 1 <= ttl <= MAX_TTL:
        return f"ttl must be between 1 and {MAX_TTL}, got {ttl}"
    return ttl


def _parse_metadata(header: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        if key in meta:
            raise ValueError(f"duplicate metadata key {key!r}")
        try:
            meta[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError(f"metadata value of {key!r} is not base64") from None
    return meta


def _lookup(request: Request, temp_id: str) -> Any:
    row = emulator(request).store.temp_contents.get(temp_id)
    if row is None:
        raise _tus_error(404, f"no temporary content with id {temp_id}", "TEMP-404")
    if time.time() > row["created"] + row["ttl"]:
        raise _tus_error(410, f"temporary content {temp_id} has expired", "TEMP-410")
    return row


def _lock(request: Request, temp_id: str) -> asyncio.Lock:
    locks: dict[str, asyncio.Lock] = emulator(request).upload_locks
    return locks.setdefault(temp_id, asyncio.Lock())


# -- tus ------------------------------------------------------------------------------------------
async def tus_options(request: Request) -> Response:
    emu = emulator(request)
    return Response(status_code=204, headers=_tus_headers({
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": "creation,creation-with-upload,termination",
        "Tus-Max-Size": str(emu.config.max_upload_size),
    }))


def _check_tus(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise _tus_error(412, "unsupported or missing Tus-Resumable header (this server speaks "
                         f"{TUS_VERSION})", "TUS-412", **{"Tus-Version": TUS_VERSION})


async def tus_create(request: Request) -> Response:
    emu = emulator(request)
    _check_tus(request)
    raw_length = request.headers.get("upload-length")
    if raw_length is None or not raw_length.isdigit():
        raise _tus_error(400, "Upload-Length must be a non-negative integer", "TUS-400")
    length = int(raw_length)
    if length > emu.config.max_upload_size:
        raise _tus_error(413, f"Upload-Length {length} exceeds the maximum of "
                         f"{emu.config.max_upload_size} bytes", "TUS-413")
    try:
        meta = _parse_metadata(request.headers.get("upload-metadata", ""))
    except ValueError as exc:
        raise _tus_error(400, f"invalid Upload-Metadata: {exc}", "TUS-400") from None
    ttl = _parse_ttl(meta.get("ttl"))
    if isinstance(ttl, str):
        raise _tus_error(400, ttl, "TEMP-400")
    temp_id = secrets.token_hex(12)
    emu.store.temp_contents.create(temp_id, meta.get("filename") or temp_id, ttl, length, True,
                                   time.time())
    return Response(status_code=201, headers=_tus_headers({
        "Location": f"{FILES}/{temp_id}", "Upload-Offset": "0"}))


def _open_upload(request: Request) -> tuple[str, Any]:
    """The upload a tus request names, (id, row); refused with 412 without Tus-Resumable, 404,
    410 after the TTL, 423 while a PATCH is in progress."""
    temp_id = request.path_params["id"]
    _check_tus(request)
    row = _lookup(request, temp_id)
    if _lock(request, temp_id).locked():
        raise _tus_error(423, "a PATCH to this upload is in progress", "TUS-423")
    return temp_id, row


async def tus_head(request: Request) -> Response:
    _, row = _open_upload(request)
    return Response(status_code=200, headers=_tus_headers({
        "Upload-Offset": str(row["offset"]), "Upload-Length": str(row["length"])}))


async def tus_patch(request: Request) -> Response:
    emu = emulator(request)
    temp_id, row = _open_upload(request)
    if request.headers.get("content-type") != "application/offset+octet-stream":
        raise _tus_error(415, "Content-Type must be application/offset+octet-stream", "TUS-415")
    raw_offset = request.headers.get("upload-offset", "")
    if not raw_offset.isdigit():
        raise _tus_error(400, "Upload-Offset must be a non-negative integer", "TUS-400")
    async with _lock(request, temp_id):
        row = emu.store.temp_contents.get(temp_id)
        offset = int(raw_offset)
        if offset != row["offset"]:
            raise _tus_error(409, f"Upload-Offset {offset} does not match the upload's offset "
                             f"{row['offset']}", "TUS-409", **{"Upload-Offset": str(row["offset"])})
        room = row["length"] - offset
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > room:
            raise _tus_error(413, f"the body ({declared} bytes) goes past Upload-Length "
                             f"({row['length']})", "TUS-413")
        received, too_long = await _append(request, emu.store.temp_contents.path(temp_id),
                                           offset, room)
        emu.store.temp_contents.set_offset(temp_id, offset + received, time.time())
        if too_long:
            raise _tus_error(413, "the body goes past Upload-Length", "TUS-413",
                             **{"Upload-Offset": str(offset + received)})
    return Response(status_code=204, headers=_tus_headers({"Upload-Offset": str(offset + received)}))


async def _append(request: Request, path: Any, offset: int, room: int) -> tuple[int, bool]:
    """Write the body at `offset` (at most `room` bytes); keep what arrived if the client goes."""
    received = 0
    too_long = False
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.truncate(offset)
        try:
            async for chunk in request.stream():
                if received + len(chunk) > room:
                    fh.write(chunk[: room - received])
                    received = room
                    too_long = True
                    break
                fh.write(chunk)
                received += len(chunk)
        except ClientDisconnect:
            pass
        finally:
            fh.flush()
            # off the event loop: a large chunk's fsync must not stall other requests (a HEAD)
            await anyio.to_thread.run_sync(os.fsync, fh.fileno())
    return received, too_long


async def tus_delete(request: Request) -> Response:
    temp_id, _ = _open_upload(request)
    emulator(request).store.temp_contents.delete(temp_id)
    return Response(status_code=204, headers=_tus_headers())


# -- single-shot upload -----------------------------------------------------------------------------
async def upload_single(request: Request) -> Response:
    emu = emulator(request)
    filename = request.query_params.get("filename", "")
    if not filename:
        raise Problem(400, "the filename query parameter is required", "TEMP-400")
    ttl = _parse_ttl(request.query_params.get("ttl"))
    if isinstance(ttl, str):
        raise Problem(400, ttl, "TEMP-400")
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/octet-stream":  # the spec's only request media type
        raise Problem(415, "Content-Type must be application/octet-stream, not "
                      f"{ctype or 'missing'}", "TEMP-415")
    temp_id = secrets.token_hex(12)
    now = time.time()
    emu.store.temp_contents.create(temp_id, filename, ttl, 0, False, now)
    received, too_long = await _append(request, emu.store.temp_contents.path(temp_id), 0,
                                       emu.config.max_upload_size)
    if too_long:
        emu.store.temp_contents.delete(temp_id)
        raise Problem(413, "the file exceeds the maximum upload size", "TEMP-413")
    emu.store.temp_contents.set_offset(temp_id, received, time.time(), length=received)
    return Response(status_code=201, headers={"Location": f"/api/v1/temp-contents/{temp_id}"})


# -- downloads and details -----------------------------------------------------------------------
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _range(header: str, size: int) -> tuple[int, int] | str | None:
    """(start, end inclusive), None for the whole file, or 'bad'/'unsatisfiable'."""
    match = RANGE.match(header.strip())
    if not match or (not match.group(1) and not match.group(2)):
        return "bad"
    first, last = match.group(1), match.group(2)
    if first:
        start = int(first)
        end = int(last) if last else size - 1
        if last and end < start:
            return "bad"
        if start >= size:
            return "unsatisfiable"
        return start, min(end, size - 1)
    suffix = int(last)
    if suffix == 0:
        return "unsatisfiable"
    return max(size - suffix, 0), size - 1


async def _file_body(path: Any, start: int, length: int) -> AsyncIterator[bytes]:
    with open(path, "rb") as fh:
        fh.seek(start)
        left = length
        while left > 0:
            chunk = fh.read(min(READ_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            yield chunk


def _incomplete(row: Any) -> bool:
    """Still being uploaded: a download or details answer 204."""
    return bool(row["offset"] < row["length"])


async def download(request: Request) -> Response:
    temp_id = request.path_params["id"]
    row = _lookup(request, temp_id)
    if _incomplete(row):
        return Response(status_code=204)
    size = row["length"]
    disposition = "inline" if request.query_params.get("inline") == "1" else "attachment"
    headers = {"Content-Disposition": f'{disposition}; filename="{row["filename"]}"',
               "Accept-Ranges": "bytes", "Last-Modified": timestamp(row["updated"])}
    path = emulator(request).store.temp_contents.path(temp_id)
    header = request.headers.get("range")
    if header:
        wanted = _range(header, size)
        if wanted == "bad":
            raise Problem(400, f"invalid Range header {header!r}", "TEMP-400")
        if wanted == "unsatisfiable":
            raise Problem(416, f"range {header!r} is outside 0-{size - 1}", "TEMP-416",
                          headers={"Content-Range": f"bytes */{size}"})
        if isinstance(wanted, tuple):
            start, end = wanted
            headers.update({"Content-Range": f"bytes {start}-{end}/{size}",
                            "Content-Length": str(end - start + 1)})
            return StreamingResponse(_file_body(path, start, end - start + 1), status_code=206,
                                     media_type="application/octet-stream", headers=headers)
    headers["Content-Length"] = str(size)
    return StreamingResponse(_file_body(path, 0, size), media_type="application/octet-stream",
                             headers=headers)


async def details(request: Request) -> Response:
    row = _lookup(request, request.path_params["id"])
    if _incomplete(row):
        return Response(status_code=204)
    return JSONResponse({
        "ID": row["id"],
        "Name": row["filename"],
        "Size": str(row["length"]),
        "Expires": timestamp(row["created"] + row["ttl"]),
        "CreatedAt": timestamp(row["created"]),
        "CreatorID": emulator(request).user_id,
        "UpdatedAt": timestamp(row["updated"]),
        "TTLSeconds": row["ttl"],
    })


routes = [
    Route(FILES, tus_options, methods=["OPTIONS"]),
    Route(FILES, tus_create, methods=["POST"]),
    Route(FILES + "/{id}", tus_head, methods=["HEAD"]),
    Route(FILES + "/{id}", tus_patch, methods=["PATCH"]),
    Route(FILES + "/{id}", tus_delete, methods=["DELETE"]),
    Route("/api/v1/temp-contents", upload_single, methods=["POST"]),
    Route("/api/v1/temp-contents/{id}", download, methods=["GET"]),
    Route("/api/v1/temp-contents/{id}/details", details, methods=["GET"]),
]
