"""A resumable tus 1.0.0 upload on qcli's one httpx client: POST, HEAD, PATCH (and DELETE).

- The upload URL is saved (atomically) before the first byte, keyed by the file's absolute path,
  size, mtime and the server; the same command later resumes from the server's offset (HEAD).
- A stale saved URL (404/410 on HEAD) starts a new upload.
- Network errors, timeouts and the statuses qcli.http.retry.TUS names (5xx, 409, 423, 429) are
  retried with backoff and jitter (or Retry-After), with a HEAD before each retry; the server's
  Upload-Offset is trusted. Other 4xx fail at once with the server's message.
- File slices stream from disk: memory stays flat whatever the size.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from qcli.errors import ApiError, ExitCode, NetworkError, QcliError
from qcli.http.client import cannot_succeed, same_origin
from qcli.http.filebody import PIECE, FileSlice
from qcli.http.retry import (
    STALE_UPLOAD,
    THROTTLED,
    TUS,
    TUS_CREATE,
    Attempts,
    RetryPolicy,
    parse_retry_after,
)
from qcli.transfer.progress import Bar
from qcli.transfer.resume import ResumeStore

DEFAULT_CHUNK = 8 * 1024 * 1024  # the first automatic chunk, which measures the link
MIN_AUTO_CHUNK = 1024 * 1024
MAX_AUTO_CHUNK = 1024 * 1024 * 1024
# seconds an automatic chunk should take at the link's measured throughput: each PATCH's end
# costs a round trip and the server's work (50-120 ms through a 40 ms link, 10-40 ms on loopback
# to @tus/server), about 1 % of 8 s
TARGET_PATCH = 8.0
# an automatic chunk is at most this many times the one before: a PATCH's time can only
# overstate the link's (its bytes all had to reach the server before the answer), so this
# bounds a clock that did not move, not the throughput
MAX_GROWTH = 128
MAX_STALLS = 3  # PATCHes in a row answered 2xx without a higher Upload-Offset


class UploadEndpoint(Protocol):
    """What the uploader needs of a tus server: single attempts (it retries on its own terms)
    and a way to turn a failed one into qcli's error. qcli.api.temp_contents.TempContentsApi is
    one; the uploader knows nothing else of the API or of its HTTP client."""

    def create_upload(self, length: int, metadata: dict[str, str],
                      deadline: float | None = None) -> httpx.Response: ...
    def upload_url(self, response: httpx.Response) -> str: ...
    def upload_id(self, url: str) -> str: ...
    def get_upload_offset(self, url: str, deadline: float | None = None) -> httpx.Response: ...
    def patch_upload(self, url: str, offset: int, body: Iterable[bytes], length: int,
                     timeout: httpx.Timeout | None = None) -> httpx.Response: ...
    def delete_upload(self, url: str, deadline: float | None = None) -> httpx.Response: ...
    def error_for(self, response: httpx.Response) -> ApiError: ...
    def network_error(self, exc: Exception, method: str, url: str, *, tries: int = 1,
                      since: float | None = None) -> NetworkError: ...
    def announce_retry(self, retry: int, exc: BaseException | None,
                       response: httpx.Response | None, pause: float, method: str, url: str,
                       attempts: int) -> None: ...


@dataclass
class UploadResult:
    id: str
    url: str
    size: int
    resumed_from: int  # 0 for a new upload
    bytes_sent: int
    key: str  # of the saved resume entry
    interrupted: bool = False  # an earlier run of this upload left an entry (resumed or stale)


class TusUploader:
    def __init__(
        self,
        api: UploadEndpoint,
        *,
        chunk_size: int | None,
        store: ResumeStore | None,
        server: str,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] | None = None,
        patch_timeout: httpx.Timeout | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout: float | None = None,
    ):
        self.api = api
        # --timeout: a limit over the POST, HEAD and DELETE and their retries, as the HTTP
        # client's over any request (None: each try's own timeouts only). A PATCH is bounded by
        # its progress instead (patch_timeout per read and write), so a big chunk is not cut.
        self.timeout = timeout
        # None: automatic, 8 MiB first, then what the link moved per second in the last PATCH
        # times TARGET_PATCH (see next_chunk): each PATCH's round trip and the server's work
        # at its end stay a few per cent of the upload on any link, and chunks stay short on a
        # slow one
        self.auto_chunk = chunk_size is None
        self.chunk_size = chunk_size or DEFAULT_CHUNK
        self.store = store
        self.server = server
        # equal jitter: a lock held by a dead PATCH (423) gets at least ~18 s over the 7 waits
        self.retry = retry or RetryPolicy(attempts=8, base=0.5, cap=10.0, floor=0.5)
        self.sleep = sleep
        self.log = log
        self.patch_timeout = patch_timeout
        self.clock = clock
        self.offset = 0  # what the server holds, as far as we know: read after an interruption
        self.size = 0
        self.url: str | None = None

    # -- the whole upload ----------------------------------------------------------------------
    def upload(self, path: Path, *, filename: str, ttl: int, resume: bool, bar: Bar,
               keep_entry: bool = False) -> UploadResult:
        """Upload `path`; with keep_entry the resume entry stays until the caller calls forget(),
        so a step after the upload (data-file create) is resumed too."""
        stat = path.stat()
        self.size = stat.st_size
        key = ResumeStore.key(path, stat.st_size, stat.st_mtime_ns, self.server)
        if self.store is None:
            return self._upload(path, stat, key, filename, ttl, resume, bar, keep_entry)
        with self.store.exclusive(key) as mine:
            if not mine:
                raise QcliError(
                    f"another qcli process is uploading {path} to {self.server}: wait for it to "
                    "finish (or stop it; this command then resumes its upload)",
                    exit_code=ExitCode.CONFLICT)
            return self._upload(path, stat, key, filename, ttl, resume, bar, keep_entry)

    def _upload(self, path: Path, stat: os.stat_result, key: str, filename: str, ttl: int,
                resume: bool, bar: Bar, keep_entry: bool) -> UploadResult:
        size = stat.st_size
        resumed_from = 0
        url = None
        interrupted = False
        entry = self.store.load(key) if self.store is not None else None
        if entry and not same_origin(entry["url"], self.server):
            self.forget(key)
            raise QcliError(
                f"the saved upload of {path} is on another origin ({entry['url']}) than the "
                f"context's server {self.server}: qcli sends the API key only to its own server; "
                "the saved entry is removed, run the command again to start a new upload")
        if entry and resume and entry.get("filename") == filename and entry.get("size") == size:
            interrupted = True
            offset = self._head(entry["url"], size)
            if offset is None:
                self._say("the saved upload is gone from the server: starting a new one")
                self.forget(key)
            else:
                url, resumed_from = entry["url"], offset
                self._say(f"resuming the upload at byte {offset} of {size}")
        elif entry:  # --no-resume, or another --filename: that upload is of no further use
            self._discard(entry.get("url"))
            self.forget(key)
        if url is None:
            url = self._create(size, filename, ttl)
            if self.store is not None:  # before the first byte
                self.store.save(key, {"url": url, "path": str(path.resolve()), "size": size,
                                      "mtimeNs": stat.st_mtime_ns, "server": self.server,
                                      "filename": filename, "ttl": ttl})
        self.url, self.offset = url, resumed_from
        bar.set(resumed_from)
        sent = self._send_all(url, path, stat, bar, key)
        if not keep_entry:
            self.forget(key)
        return UploadResult(self.api.upload_id(url), url, size, resumed_from, sent, key, interrupted)

    # -- steps ---------------------------------------------------------------------------------
    def _create(self, size: int, filename: str, ttl: int) -> str:
        metadata = {"filename": filename, "ttl": str(ttl)}
        tries = self._attempts()
        window = self._window()
        while True:
            try:
                response = self.api.create_upload(size, metadata, deadline=window.at)
            except httpx.TransportError as exc:
                self._wait_or_raise(tries, None, exc, "POST", window)
                continue
            if response.status_code in (200, 201):
                return self.api.upload_url(response)
            if TUS_CREATE.status("POST", response.status_code):
                self._wait_or_raise(tries, response, None, "POST", window)
                continue
            raise self.api.error_for(response)

    def _head(self, url: str, size: int) -> int | None:
        """The server's offset for `url`, or None when the upload is gone (or not this file)."""
        tries = self._attempts()
        window = self._window()
        while True:
            try:
                response = self.api.get_upload_offset(url, deadline=window.at)
            except httpx.TransportError as exc:
                self._wait_or_raise(tries, None, exc, "HEAD", window)
                continue
            if response.status_code in STALE_UPLOAD:
                return None
            if TUS.status("HEAD", response.status_code):
                self._wait_or_raise(tries, response, None, "HEAD", window)
                continue
            if response.status_code >= 300:
                raise self.api.error_for(response)
            length = response.headers.get("Upload-Length")
            if length is not None and length.isdigit() and int(length) != size:
                return None
            return _offset(response, 0)

    def _send_all(self, url: str, path: Path, stat: os.stat_result, bar: Bar, key: str) -> int:
        size = stat.st_size
        sent = 0
        tries = self._attempts()
        failing = _Window(time.monotonic())  # since the last PATCH that went through
        stalls = 0
        with open(path, "rb") as fh:
            while self.offset < size:
                length = min(self.chunk_size, size - self.offset)
                if self.auto_chunk:
                    length = fold_tail(length, size - self.offset)
                started = self.clock()
                try:
                    body = FileSlice(fh, self.offset, length, progress=bar.advance)
                    response = self.api.patch_upload(url, self.offset, body, length,
                                                     timeout=self.patch_timeout)
                except httpx.TransportError as exc:
                    self._wait_or_raise(tries, None, exc, "PATCH", failing)
                    self._resync(url, size, bar, key)
                    continue
                status = response.status_code
                if status == 204 or status == 200:
                    new = _offset(response, self.offset + length)
                    if new <= self.offset:
                        stalls += 1
                        if stalls >= MAX_STALLS:
                            raise QcliError(
                                f"the server answered {stalls} PATCHes in a row with {status} but "
                                f"kept Upload-Offset at {new} (of {size}): it is not storing the "
                                "bytes, so the upload stopped")
                        continue
                    stalls = 0
                    sent += new - self.offset
                    self.offset = new
                    bar.set(new)
                    tries.succeeded()
                    failing = _Window(time.monotonic())
                    if self.auto_chunk and length >= self.chunk_size:
                        self.chunk_size = next_chunk(length, self.clock() - started)
                    continue
                if status in (404, 410):
                    self.forget(key)
                    raise QcliError(
                        f"the upload is gone from the server ({status}: it expired or was "
                        "removed); run the same command again to start a new upload",
                        exit_code=ExitCode.NOT_FOUND)
                if TUS.status("PATCH", status):
                    self._wait_or_raise(tries, response, None, "PATCH", failing)
                    self._resync(url, size, bar, key)
                    continue
                self.forget(key)
                raise self.api.error_for(response)
            now = os.fstat(fh.fileno())
        if (now.st_size, now.st_mtime_ns) != (stat.st_size, stat.st_mtime_ns):
            self.forget(key)
            with contextlib.suppress(httpx.TransportError, QcliError):
                # a mix of old and new bytes: of no use
                self.api.delete_upload(url, deadline=self._window().at).close()
            grew = (f" (from {stat.st_size} to {now.st_size} bytes)"
                    if now.st_size != stat.st_size else "")
            raise QcliError(f"{path} changed while it was being uploaded{grew}: the upload is "
                            "not used; run the command again once the file is complete")
        return sent

    def _discard(self, url: str | None) -> None:
        """--no-resume with a saved upload: end it on the server (tus termination) rather than
        leave it there until its TTL. Best effort: a server without termination keeps it."""
        if not url:
            return
        try:
            response = self.api.delete_upload(url, deadline=self._window().at)
        except httpx.TransportError:
            response = None
        if response is not None and response.status_code in (204, 404, 410):
            self._say("discarded the earlier partial upload of this file")
        else:
            self._say("could not remove the earlier partial upload of this file from the server; "
                      "it stays there until its TTL ends")

    def _resync(self, url: str, size: int, bar: Bar, key: str) -> None:
        offset = self._head(url, size)
        if offset is None:
            self.forget(key)
            raise QcliError("the upload is gone from the server (it expired or was removed); "
                            "run the same command again to start a new upload",
                            exit_code=ExitCode.NOT_FOUND)
        self.offset = offset
        bar.set(offset)

    def forget(self, key: str) -> None:
        if self.store is not None:
            self.store.remove(key)

    def _attempts(self) -> Attempts:
        return Attempts(self.retry, self.sleep, self._say)

    def _window(self) -> _Window:
        started = time.monotonic()
        return _Window(started, None if self.timeout is None else started + self.timeout)

    def _wait_or_raise(self, tries: Attempts, response: httpx.Response | None,
                       exc: Exception | None, method: str, window: _Window) -> None:
        """Sleep before the next try, or raise once the tries are used up or the next one
        would start past the window's limit (as the HTTP client's _send decides: a wait the
        server asked for with Retry-After, or a 429's, moves the limit on)."""
        retry_after = response.headers.get("Retry-After") if response is not None else None
        hopeless = exc is not None and cannot_succeed(exc)  # no TLS there, no such host, ...
        wait = None if hopeless else tries.delay(retry_after)
        if wait is not None and window.at is not None:
            if response is not None and (parse_retry_after(retry_after) is not None
                                         or response.status_code in THROTTLED):
                window.at += wait
            elif time.monotonic() + wait >= window.at - 0.05:
                wait = None
        url = _request_url(response, exc) or self.url or self.server
        if wait is None:
            hint = "run the same command again to resume" if self.url else None
            error: QcliError
            if exc is not None:
                error = self.api.network_error(exc, method, url, tries=tries.failures + 1,
                                               since=window.started)
            else:
                assert response is not None
                error = self.api.error_for(response)
            error.hint = error.hint if hopeless else hint or error.hint
            raise error
        self.api.announce_retry(tries.failures, exc, response, wait, method, url,
                                self.retry.attempts)
        if response is not None:
            response.close()
        tries.wait(wait)

    def _say(self, line: str) -> None:
        if self.log is not None:
            self.log(line)


@dataclass
class _Window:
    """When an operation's first try started (time.monotonic()) and when its tries must be
    over (None: no limit but the number of tries)."""

    started: float
    at: float | None = None


def _request_url(response: httpx.Response | None, exc: Exception | None) -> str | None:
    """The full URL of the request that failed, for the retry line and the error."""
    try:
        if response is not None:
            return str(response.request.url)
        if isinstance(exc, httpx.RequestError):
            return str(exc.request.url)
    except RuntimeError:  # httpx: no request attached
        pass
    return None


def next_chunk(length: int, seconds: float) -> int:
    """The automatic chunk size after a full PATCH of `length` bytes that took `seconds`: what
    the link moved per second times TARGET_PATCH, at most MAX_GROWTH times `length` (one quick
    answer can't make it huge), between MIN_AUTO_CHUNK and MAX_AUTO_CHUNK, in whole MiB.

    It follows the measured throughput both ways: one slow PATCH shrinks the next chunk only,
    and a fast link sends the rest of a GiB after the first 8 MiB. (The doubling rule before it
    took four PATCHes to reach its 64 MiB cap and then sent 16 PATCHes per GiB: with a 40 ms
    round trip, or a server that does some work at the end of each PATCH, that idle time was
    5-20 % of a fast upload. Then 2 s of throughput, at most 16 times the chunk before, still
    made 3-4 PATCHes of a GiB on loopback and through a 40 ms link.)"""
    rate = length / max(seconds, 1e-3)
    size = min(int(rate * TARGET_PATCH), length * MAX_GROWTH, MAX_AUTO_CHUNK)
    return max(MIN_AUTO_CHUNK, size // PIECE * PIECE)


def fold_tail(length: int, left: int) -> int:
    """The bytes of the next automatic PATCH: `length`, or all that is `left` when the rest
    after it would be at most half of it (and the whole stays within MAX_AUTO_CHUNK): a short last
    PATCH costs a round trip and the server's work at its end for a few per cent of the bytes.
    (With 2 s chunks, 1 GiB on loopback or through a 40 ms link often ended with a 26-119 MiB
    PATCH.)"""
    if length < left <= min(length + length // 2, MAX_AUTO_CHUNK):
        return left
    return length


def _offset(response: httpx.Response, default: int) -> int:
    raw = response.headers.get("Upload-Offset")
    return int(raw) if raw is not None and raw.isdigit() else default
