"""The one httpx client of an invocation.

Keep-alive, proxies from the environment, TLS verification on (`--insecure` warns, `--ca-cert`
adds a CA bundle), `User-Agent: qcli/<version>`, timeouts from `--timeout`, retries with backoff
and jitter, 429 + Retry-After, error envelope -> ApiError, and one pagination iterator.
"""

from __future__ import annotations

import contextlib
import functools
import json as _json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx

from qcli import __version__
from qcli.config.settings import Connection
from qcli.errors import ApiError, NetworkError, QcliError, UsageError
from qcli.http.auth import Authenticator
from qcli.http.deadline import Deadline
from qcli.http.deadline import install as install_deadline
from qcli.http.download import Download
from qcli.http.envelope import parse_error
from qcli.http.retry import (
    HTTP,
    THROTTLED,
    Attempts,
    Classifier,
    Gate,
    RetryPolicy,
    parse_retry_after,
)

# errors that prove the request never reached the server: safe to repeat for any method
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class HttpClient:
    def __init__(
        self,
        conn: Connection,
        *,
        log: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
        notice: Callable[[str], None] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        credential_cache: Any = None,
        classifier: Classifier = HTTP,
    ):
        self.conn = conn
        self.retry = retry or RetryPolicy()
        self.classifier = classifier
        self._sleep = sleep
        self._log = log
        self._notice = notice  # "retrying (2/5) ..." lines for people (None with -q)
        self._deadline = Deadline()
        # bulk commands: one pause for every thread after a 429 (None: each request on its own),
        # and no retry line per 429 (their progress display counts them)
        self.gate: Gate | None = None
        self.announce_throttled = True
        if conn.insecure and warn is not None:
            warn(f"TLS certificate verification is off for {conn.server} (--insecure)")
        headers = {"User-Agent": f"qcli/{__version__}", "Accept": "application/json"}
        headers.update(conn.headers)
        self._client = httpx.Client(
            base_url=conn.server,
            headers=headers,
            timeout=httpx.Timeout(conn.timeout),
            verify=_verify(conn),
            follow_redirects=True,
            trust_env=True,
            transport=transport,
            event_hooks={"request": [self._guard_origin], "response": [self._trace_redirect]},
        )
        install_deadline(self._client, self._deadline)
        self.auth = Authenticator(conn, self._client, credential_cache=credential_cache)
        self._closed = False
        self._ahead = 0  # pages being fetched ahead (paginate), each in its own thread
        self._lock = threading.Lock()
        self._held: set[_Held] = set()  # the stderr lines of pages fetched ahead, not handed over
        self._local = threading.local()  # .held: the _Held of the page this thread fetches

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connections; while a page is fetched ahead for a list its caller left (a
        closed pipe, Ctrl-C, an error), its thread closes them once it is done, so that no
        socket is closed under it (its file descriptor could be another file's by then).
        Nothing is sent after close() and no retry is announced. What such a page's request
        said on stderr so far (--verbose) is written now, the rest as it comes."""
        with self._lock:
            self._closed = True
            held, self._held = self._held, set()
            ahead = self._ahead
        try:
            for lines in held:  # a list left unfinished (Ctrl-C, an error): its trace is not lost
                with contextlib.suppress(OSError, ValueError):  # stderr is gone: nowhere to write
                    lines.release()
        finally:
            if not ahead:
                self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send a request (with retries) and return the response; raise ApiError if not 2xx."""
        response = self._send(method, path, stream=False, **kwargs)
        return response

    @contextlib.contextmanager
    def stream(self, method: str, path: str, **kwargs: Any) -> Iterator[httpx.Response]:
        """Like request(), but the body is read by the caller (downloads)."""
        response = self._send(method, path, stream=True, **kwargs)
        try:
            yield response
        except httpx.TimeoutException as exc:
            raise self.network_error(exc, method, str(response.request.url)) from None
        except httpx.TransportError as exc:
            raise self.network_error(exc, method, str(response.request.url)) from None
        finally:
            response.close()

    @contextlib.contextmanager
    def download(self, method: str, path: str, **kwargs: Any) -> Iterator[Download]:
        """stream(), the answer handed over as a Download (status, content headers, bytes)."""
        with self.stream(method, path, **kwargs) as response:
            yield Download(response)

    def send_once(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: Any = None,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        timeout: httpx.Timeout | None = None,
        deadline: float | None = None,
    ) -> httpx.Response:
        """One attempt, no retries, no status check: for protocols that retry on their own terms
        (tus). Transport errors are raised as httpx exceptions; see network_error(). `deadline`
        (time.monotonic()) bounds the exchange as a whole, as --timeout does in _send: the
        caller's retries share it."""
        if not same_origin(url, self.conn.server):
            raise QcliError(f"refusing to send the API key to {url}: it is on another origin "
                            f"than the context's server {self.conn.server}")
        # `deadline`: the caller's limit over this request and its retries (None: no limit)
        response = self._exchange(method, url, _Attempt(deadline), headers=headers,
                                  content=content, params=set_params(params),
                                  timeout=timeout or self._client.timeout)
        if response.status_code == 401 and self.auth.can_refresh:
            self.auth.invalidate()
        return response

    def _exchange(self, method: str, url: str, attempt: _Attempt, *,
                  headers: Mapping[str, str] | None, stream: bool = False,
                  **build: Any) -> httpx.Response:
        """One request and its answer (send_once, each try of _send): `headers` and the
        Authorization header, traced (`> METHOD URL`, `< STATUS REASON (n ms)`), within
        `attempt.deadline` if set. A redirect loop is a QcliError; a transport error is raised
        as httpx raises it. Either way `attempt` tells the request's URL and the deadline as a
        slowly sent body moved it."""
        request_headers = dict(headers or {})
        request_headers["Authorization"] = self.auth.header()
        request = self._build(method, url, headers=request_headers, **build)
        attempt.url = str(request.url)
        started = time.monotonic()
        self._trace(f"> {method} {request.url}")
        if attempt.deadline is not None:
            self._deadline.at, self._deadline.budget = attempt.deadline, self.conn.timeout
        try:
            response = self._client.send(request, stream=stream)
        except httpx.TooManyRedirects:
            raise self.redirect_loop(method, attempt.url) from None
        finally:
            if attempt.deadline is not None:
                attempt.deadline = max(attempt.deadline, self._deadline.at or attempt.deadline)
            self._deadline.at = None
        elapsed = (time.monotonic() - started) * 1000
        self._trace(f"< {response.status_code} {response.reason_phrase} ({elapsed:.0f} ms)")
        return response

    def _build(self, method: str, url: str, **kwargs: Any) -> httpx.Request:
        try:
            return self._client.build_request(method, url, **kwargs)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise UsageError(f"invalid request URL {url!r}: {exc}") from None

    def error_for(self, response: httpx.Response) -> ApiError:
        return self._api_error(response, response.request.method)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise QcliError(
                f"{method} {response.request.url}: the server answered {response.status_code} "
                "with a body that is not JSON",
                hint=_not_a_tenant_hint(str(response.request.url),
                                        response.headers.get("Content-Type", "")),
            ) from None

    def _send(
        self,
        method: str,
        path: str,
        *,
        stream: bool,
        params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        json: Any = None,
        content: bytes | None = None,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: Callable[[int], bool] = lambda status: 200 <= status < 300,
    ) -> httpx.Response:
        method = method.upper()
        query = set_params(params)
        attempts = Attempts(self.retry, self._sleep)
        auth_refreshed = False
        first_try = time.monotonic()
        # --timeout bounds the whole exchange, retries and their pauses included (not each
        # read); a 429's Retry-After is waited on top (the server said when to come back).
        deadline = first_try + self.conn.timeout
        while True:
            if self._closed:  # (a page fetched ahead for a list that was left)
                raise QcliError(f"{method} {path}: the HTTP client is closed")
            if self.gate is not None:
                deadline += self.gate.wait()  # another thread was told to wait
            _rewind(files)
            attempt = _Attempt(deadline)
            try:
                response = self._exchange(method, path, attempt, headers=headers, stream=stream,
                                          params=query, json=json, content=content, files=files,
                                          data=data)
            except httpx.TransportError as exc:
                pause = attempts.delay()
                sent = not isinstance(exc, _NOT_SENT)
                if (pause is not None and self.classifier.error(method, sent=sent)
                        and not cannot_succeed(exc)
                        and time.monotonic() + pause < deadline - 0.05):
                    self._announce_retry(attempts.failures, _short_reason(exc), pause, method,
                                         attempt.url)
                    attempts.wait(pause)
                    continue
                raise self.network_error(exc, method, attempt.url,
                                         tries=attempts.failures + 1, since=first_try) from None
            finally:
                # a body that took long to send moved the limit; a download's body is read
                # with per-read timeouts
                deadline = attempt.deadline or deadline
            status = response.status_code
            if ok(status):
                return response
            if status == 401 and not auth_refreshed and self.auth.can_refresh:
                response.close()
                self.auth.invalidate()
                auth_refreshed = True
                continue
            throttled = status in THROTTLED
            if self.classifier.status(method, status) and attempts.left(throttled):
                wait: float | None = None
                after = parse_retry_after(response.headers.get("Retry-After"))
                if after is not None or status in THROTTLED:
                    # the server said when to come back: waited on top of --timeout
                    wait = attempts.backoff() if after is None else after
                    if wait > self.retry.max_retry_after:
                        error = self._api_error(response, method)
                        error.hint = (f"the server asks to wait {_duration(wait)} before trying "
                                      f"again, longer than the {_duration(self.retry.max_retry_after)}"
                                      " qcli waits; run the command again after that")
                        raise error
                    deadline += wait
                else:
                    wait = attempts.backoff()
                    if time.monotonic() + wait >= deadline - 0.05:
                        wait = None
                if wait is not None:
                    response.close()
                    if throttled and self.gate is not None:
                        self.gate.hold(wait)
                    if not throttled or self.announce_throttled:
                        self._announce_retry(attempts.failures, f"{status} "
                                             f"{response.reason_phrase}", wait, method,
                                             attempt.url)
                    attempts.wait(wait, throttled=throttled)
                    continue
            raise self._api_error(response, method)

    def announce_retry(self, retry: int, exc: BaseException | None,
                       response: httpx.Response | None, pause: float, method: str, url: str,
                       attempts: int) -> None:
        """The retry line of a protocol that retries on its own terms (tus), as _send says it:
        `retrying (2/8) after 503 Service Unavailable, in 0.4 s: POST URL`."""
        reason = (f"{response.status_code} {response.reason_phrase}" if response is not None
                  else _short_reason(exc) if exc is not None else "a failure")
        self._announce_retry(retry, reason, pause, method, url, attempts)

    def _announce_retry(self, retry: int, reason: str, pause: float, method: str,
                        url: str, attempts: int | None = None) -> None:
        if self._closed:
            return
        line = (f"retrying ({retry + 2}/{attempts or self.retry.attempts}) after {reason}, in "
                f"{pause:.1f} s: {method} {url}")
        self._trace(f"< {line}")
        if self._notice is not None and self._log is None:  # --verbose traced it already
            self._say(self._notice, line)

    # -- redirects: credentials and --header values stay on the context's own origin -------------
    def _guard_origin(self, request: httpx.Request) -> None:
        if same_origin(str(request.url), self.conn.server):
            return
        request.headers.pop("Authorization", None)
        for key in self.conn.headers:
            request.headers.pop(key, None)

    def _trace_redirect(self, response: httpx.Response) -> None:
        location = response.headers.get("Location")
        if not response.is_redirect or not location:
            return
        target = str(response.request.url.join(location))
        note = ("" if same_origin(target, self.conn.server)
                else " (another origin: the API key and --header values are not sent there)")
        self._trace(f"< {response.status_code} redirect to {target}{note}")

    # -- pagination ------------------------------------------------------------------------------
    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        limit: int | None = None,
        page_size: int | None = None,
        max_page_size: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Yield items of every page: `links.next` cursors or `page`/`pages` numbers.

        Stops after `limit` items; `page_size` is the per-request `limit` parameter.

        `links.next` is followed while a page has one. Without it, the next page number comes
        from the answer's own `page` and `pages`: the first request names no page, so the
        `page` of its answer is the server's first page number, whether it counts from 0 (the
        spec) or from 1, and the list ends on that base's last page. An empty page, a page
        that holds only items already given, or `total` items given also end it, so no item
        is skipped or given twice whichever base the server uses.

        One page ahead: while the caller takes a page's items (printing them), the next page
        is already being fetched, in a background thread; so at most two pages are held. Its
        failure is raised here, after every item of the page before it was given, as if it
        had been fetched then. A caller that stops early leaves that one request to finish
        unread (no request starts when `limit` or `total` says the list is complete).

        What fetching a page ahead says on stderr (the --verbose trace, retry lines) is held
        until that page is handed over (see _Held), so it comes after the rows before it.
        """
        query: dict[str, Any] = dict(params or {})  # None values are dropped when sent
        if page_size is not None:
            query["limit"] = page_size
        if limit is not None and (page_size is None or limit < page_size):
            query["limit"] = min(limit, max_page_size)
        pages = _Pages(limit)
        url = path
        body = self.json("GET", url, params=query or None)
        ahead: _Ahead | None = None
        try:
            while True:
                if not isinstance(body, dict):
                    raise QcliError(f"GET {self._client.base_url.join(url)}: expected a JSON "
                                    "object with 'data'")
                items = pages.take(body)
                nxt = pages.next(body, url, query, self._same_server, fresh=len(items))
                ahead = None
                if nxt is not None:
                    url, query = nxt
                    ahead = self._fetch_ahead(url, query or None)
                yield from items
                if ahead is None:
                    return
                del items, body  # the page is out: hold only the one ahead
                self._release(ahead.held)  # its trace now, after the rows before it
                body = ahead.result()
        finally:
            if ahead is not None:  # the list was left: what its page ahead said so far
                self._release(ahead.held)

    def _fetch_ahead(self, url: str, params: dict[str, Any] | None) -> _Ahead:
        held = _Held()
        with self._lock:
            if self._closed:
                raise QcliError(f"GET {url}: the HTTP client is closed")
            self._ahead += 1
            self._held.add(held)
        try:
            return _Ahead(functools.partial(self._page_ahead, url, params, held), held)
        except BaseException:  # no thread to be had
            with self._lock:
                self._ahead -= 1
                self._held.discard(held)
            raise

    def _page_ahead(self, url: str, params: dict[str, Any] | None, held: _Held) -> Any:
        self._local.held = held  # this thread's trace waits for its page to be handed over
        try:
            return self.json("GET", url, params=params)
        finally:
            self._local.held = None
            with self._lock:
                self._ahead -= 1
                last = self._closed and not self._ahead
            if last:  # the list was left and the client closed meanwhile: close it now
                self._client.close()

    def _same_server(self, href: str) -> str:
        """A next link, as a path on our server (tenants may answer with an internal host)."""
        parts = urlsplit(href)
        if not parts.scheme:
            return href
        return parts.path + (f"?{parts.query}" if parts.query else "")

    # -- errors and tracing ----------------------------------------------------------------------
    def _api_error(self, response: httpx.Response, method: str) -> ApiError:
        try:
            body = response.read()
        except httpx.HTTPError:
            body = b""
        finally:
            response.close()
        error = parse_error(
            response.status_code,
            body,
            headers=dict(response.headers),
            method=method,
            url=str(response.request.url),
        )
        if error.status == 401:
            error.hint = self._auth_hint()
        return error

    def _auth_hint(self) -> str:
        """Where the rejected credentials came from, and how to change them."""
        conn = self.conn
        if conn.auth == "oauth":
            return (f"the OAuth client of context {conn.context!r} was refused: check its client "
                    f"ID and secret ('qcli context update {conn.context} --oauth-client-id ID "
                    "--oauth-client-secret-stdin')")
        if conn.key_source == "QCLI_API_KEY":
            return ("the API key came from QCLI_API_KEY: fix or unset it (or pass --context NAME "
                    "to use a saved context's key)")
        if conn.context:
            return (f"the API key of context {conn.context!r} was refused: "
                    f"'qcli context update {conn.context} --api-key-stdin'")
        return "check the API key: QCLI_API_KEY, or 'qcli context update NAME --api-key-stdin'"

    def redirect_loop(self, method: str, url: str) -> QcliError:
        return QcliError(f"{method} {url}: too many redirects (more than "
                         f"{self._client.max_redirects}): the server redirects in a loop")

    def network_error(self, exc: Exception, method: str, url: str, *, tries: int = 1,
                      since: float | None = None) -> NetworkError:
        host = urlsplit(url).netloc
        spent = inner = ""
        if since is not None:
            total = time.monotonic() - since
            inner = f"{tries} tries, {total:.1f} s in all" if tries > 1 else f"after {total:.1f} s"
            spent = f" ({inner})"
        if _is_tls_failure(exc):
            return NetworkError(
                f"TLS certificate of {host} is not trusted ({_tls_reason(exc)})",
                hint="pass --ca-cert PATH (or set QCLI_CA_CERT) with the CA that signed it, "
                "or --insecure to skip verification",
            )
        if _speaks_no_tls(exc):
            # a plain-HTTP server on that port, or a proxy or portal in the way: http:// is
            # suggested only for a server on this machine (the emulator), never for a tenant
            # (the key would go in clear text)
            local = urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")
            return NetworkError(
                f"cannot connect to {host}: what answered the TLS handshake does not speak TLS "
                f"({_reason(exc)}; {method} {url})",
                hint=f"for the emulator started without --tls-cert, use http://{host}" if local
                else "check the server URL, and any proxy (HTTPS_PROXY) between here and there")
        if _unresolved(exc):
            return NetworkError(
                f"cannot connect to {host}: its name does not resolve ({_reason(exc)}; "
                f"{method} {url})", hint="check the server name (a Qlik Cloud tenant is "
                "TENANT.REGION.qlikcloud.com) and the network")
        if isinstance(exc, httpx.TimeoutException):
            return NetworkError(
                f"{method} {url} timed out: no complete answer within {self.conn.timeout:g} s"
                f"{spent}",
                hint="raise the limit with --timeout SECONDS",
            )
        if isinstance(exc, httpx.ConnectError):
            return NetworkError(f"cannot connect to {self.conn.server}: {_reason(exc)} "
                                f"({method} {url}" + (f"; {inner})" if inner else ")"))
        return NetworkError(f"{method} {url} failed: {_reason(exc)}{spent}")

    def _trace(self, line: str) -> None:
        if self._log is not None:
            self._say(self._log, line)

    def _say(self, write: Callable[[str], None], line: str) -> None:
        """A line for stderr: held while this thread fetches a page ahead (see _Held)."""
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            write(line)
        else:
            held.write(write, line)

    def _release(self, held: _Held) -> None:
        with self._lock:
            self._held.discard(held)
        held.release()


class _Attempt:
    """What HttpClient._exchange tells its caller, also when the request failed: the URL it
    was sent to, and its deadline (time.monotonic(); None: httpx's timeouts alone) as a body
    that took long to send moved it."""

    def __init__(self, deadline: float | None):
        self.deadline = deadline
        self.url = ""


class _Pages:
    """What a paginated list has given so far, and which page comes next.

    An item is told apart by its key (`_item_key`); the keys of the last `REMEMBERED` items (and
    at least of the last two pages) are kept, so memory stays flat however long the list is:
    what ends a list, a page that repeats the one before (a server counting pages from 1), and
    what shifts between pages (items added or removed while the list is read), is always within
    them; only an item that comes again more than that many items later is given again.

    The keys of the list's first `ANCHORS` items are kept to its end: one of them coming again
    is not given again, and two of them again one after the other, in their first order, is
    the list starting over (a cursor that wraps around after more than REMEMBERED items),
    which ends it instead of going round for ever."""

    REMEMBERED = 10_000
    ANCHORS = 1_000

    def __init__(self, limit: int | None):
        self.limit = limit
        self.given: set[str] = set()
        self.recent: deque[list[str]] = deque()  # the keys in `given`, a list per page
        self.remembered = 0
        self.count = 0
        self.followed: set[str] = set()
        self.base: int | None = None  # the server's first page number, from its first answer
        self.asked: int | None = None  # the page number the last request named (None: first)
        self.skipped = False
        self.anchors: dict[str, int] = {}  # key -> place among the list's first ANCHORS items
        self.last_anchor: int | None = None  # the place of the item just seen, if an anchor
        self.wrapped = False

    def take(self, body: dict[str, Any]) -> list[Any]:
        """The items of a page to give: those not given before, up to the limit."""
        fresh = []
        keys: list[str] = []
        for item in body.get("data") or []:
            key = _item_key(item)
            place = self.anchors.get(key)
            if key in self.given:
                self.last_anchor = place
                continue
            if place is not None:  # one of the list's first items, past the window
                if self.last_anchor is not None and place == self.last_anchor + 1:
                    self.wrapped = True  # the list's start again: it ends here
                    break
                self.last_anchor = place
                continue
            self.last_anchor = None
            if len(self.anchors) < self.ANCHORS:
                self.anchors[key] = len(self.anchors)
            self.given.add(key)
            keys.append(key)
            fresh.append(item)
            if self.limit is not None and self.count + len(fresh) >= self.limit:
                break
        self.count += len(fresh)
        self.recent.append(keys)
        self.remembered += len(keys)
        while len(self.recent) > 2 and self.remembered - len(self.recent[0]) >= self.REMEMBERED:
            oldest = self.recent.popleft()
            self.given.difference_update(oldest)
            self.remembered -= len(oldest)
        return fresh

    def next(self, body: dict[str, Any], url: str, query: dict[str, Any],
             same_server: Callable[[str], str], *, fresh: int
             ) -> tuple[str, dict[str, Any]] | None:
        """The path and query of the page after `body` (the answer to `url` with `query`, of
        which `take` gave `fresh` items), or None when the list is complete."""
        if (not body.get("data") or self.wrapped
                or (self.limit is not None and self.count >= self.limit)):
            return None
        total = body.get("total")
        if isinstance(total, int) and not isinstance(total, bool) and self.count >= total:
            return None
        next_href = ((body.get("links") or {}).get("next") or {}).get("href")
        if next_href:
            url = same_server(next_href)
            if url in self.followed or not fresh:
                return None
            self.followed.add(url)
            return url, {}
        if self.followed:  # a server that gives next links gives one until the last page
            return None
        pages = body.get("pages")
        if not isinstance(pages, int) or isinstance(pages, bool):
            return None
        page = body.get("page")
        if isinstance(page, int) and not isinstance(page, bool):
            if self.asked is None:
                self.base = page
            if not fresh or self.base is None or page >= self.base + pages - 1:
                return None
            self.asked = page + 1
        else:  # no page number in the answer: count from the spec's 0
            current = 0 if self.asked is None else self.asked
            if not fresh:
                # the page we took for the second was the first again: the server counts
                # from 1; look once more, one further
                if self.skipped:
                    return None
                self.skipped = True
            elif current + 1 >= pages + (1 if self.skipped else 0):
                return None
            self.asked = current + 1
        return url, dict(query, page=self.asked)


class _Held:
    """The stderr lines (--verbose trace, retry notices) of a page fetched ahead: held until
    that page is handed over, then written, and from then on as they come. So they follow the
    rows of the page before it, as the user reads them (on a terminal, or in `2>&1`)."""

    def __init__(self) -> None:
        self._lines: deque[tuple[Callable[[str], None], str]] | None = deque()
        self._lock = threading.Lock()  # no line of the thread passes those being released

    def write(self, write: Callable[[str], None], line: str) -> None:
        with self._lock:
            if self._lines is not None:
                self._lines.append((write, line))
                return
            write(line)

    def release(self) -> None:
        with self._lock:
            lines, self._lines = self._lines, None  # from now on, as they come
            while lines:
                write, line = lines.popleft()
                write(line)


class _Ahead:
    """One call run in a daemon thread (the next page, while this one is printed); result()
    gives its value or raises its exception. Waiting is interruptible (Ctrl-C), and a daemon
    thread keeps no exit waiting. `held`: what the call says on stderr meanwhile."""

    def __init__(self, call: Callable[[], Any], held: _Held):
        self.held = held
        self._call = call
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, name="qcli-page-ahead", daemon=True).start()

    def _run(self) -> None:
        try:
            self._value = self._call()
        except BaseException as exc:  # handed to the caller's thread
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> Any:
        self._done.wait()
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        value, self._value = self._value, None
        return value


def _item_key(item: Any) -> str:
    """What tells list items apart: their `id`, else the whole item."""
    if isinstance(item, dict) and isinstance(item.get("id"), str | int):
        return f"id:{item['id']}"
    return _json.dumps(item, sort_keys=True, default=str)


def set_params(params: Mapping[str, Any] | Sequence[tuple[str, Any]] | None,
               ) -> list[tuple[str, Any]] | None:
    """The query parameters that were set: one whose value is None (an option not given) is
    not sent at all (httpx would send it as `name=`, which a server may read as a value)."""
    if not params:
        return None
    pairs = params.items() if isinstance(params, Mapping) else params
    kept = [(k, v) for k, v in pairs if v is not None]
    return kept or None


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _short_reason(exc: BaseException) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, httpx.ConnectError):
        return f"a failed connection ({_reason(exc)})"
    return _reason(exc)


def _not_a_tenant_hint(url: str, content_type: str) -> str | None:
    if "html" not in content_type.lower():
        return None
    parts = urlsplit(url)
    return (f"{parts.scheme}://{parts.netloc} answers with a web page: it does not look like a "
            "Qlik Cloud tenant; check the server URL")


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port


def same_origin(url: str, server: str) -> bool:
    """A relative URL, or an absolute one on the server's scheme, host and port."""
    if not urlsplit(url).scheme:
        return True
    return origin(url) == origin(server)


def _rewind(files: Mapping[str, Any] | None) -> None:
    for value in (files or {}).values():
        fh = value[1] if isinstance(value, tuple) else value
        if hasattr(fh, "seek"):
            fh.seek(0)


def _verify(conn: Connection) -> ssl.SSLContext | bool:
    if conn.insecure:
        return False
    if not conn.server.startswith("https:") and not conn.ca_cert:
        from qcli.http.tls import DeferredCAContext  # no CA bundle read unless TLS happens

        return DeferredCAContext()
    import os

    from qcli.http import preconnect
    from qcli.http.tls import default_context

    # the context the early connection's thread built and verified its handshake with (the
    # same function, the same settings), when it is ready: the CA bundle is not read twice
    early = None if conn.ca_cert else preconnect.verifying_context(conn.timeout)
    if early is not None:
        return early
    # SSL_CERT_FILE replaces the default bundle, as it does for curl and openssl.
    bundle = os.environ.get("SSL_CERT_FILE")
    try:
        ctx = default_context()
    except (ssl.SSLError, OSError) as exc:
        raise UsageError(f"SSL_CERT_FILE {bundle}: {_ca_problem(exc)}") from None
    if conn.ca_cert:
        try:
            ctx.load_verify_locations(cafile=conn.ca_cert)
        except (ssl.SSLError, OSError) as exc:
            raise UsageError(f"CA bundle {conn.ca_cert}: {_ca_problem(exc)}",
                             hint="--ca-cert and QCLI_CA_CERT take a PEM file of CA "
                             "certificates") from None
    return ctx


def _ca_problem(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return "not a PEM certificate bundle (it holds no readable certificate)"
    return getattr(exc, "strerror", None) or str(exc)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and what it was raised from or during, outermost first."""
    seen: BaseException | None = exc
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _is_tls_failure(exc: BaseException) -> bool:
    """A certificate the client does not trust (asking again cannot help)."""
    return any(isinstance(seen, ssl.SSLCertVerificationError)
               or "CERTIFICATE_VERIFY_FAILED" in str(seen) for seen in _chain(exc))


def _speaks_no_tls(exc: BaseException) -> bool:
    """A TLS handshake answered with something else: a plain-HTTP server on that port."""
    return any(isinstance(seen, ssl.SSLError) and seen.reason == "WRONG_VERSION_NUMBER"
               for seen in _chain(exc))


def _unresolved(exc: BaseException) -> bool:
    """The host name has no address: EAI_NONAME or EAI_NODATA (a resolver that failed for now
    says EAI_AGAIN)."""
    import socket

    return any(isinstance(seen, socket.gaierror) and seen.errno in (
        socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME))
        for seen in _chain(exc))


def cannot_succeed(exc: BaseException) -> bool:
    """A failure that asking again cannot mend: an untrusted certificate, no TLS on the port,
    a host name with no address. The last only on Linux, whose resolver (glibc, musl) says
    EAI_AGAIN when it cannot ask; macOS says EAI_NONAME offline too, so there it is retried."""
    import sys

    return (_is_tls_failure(exc) or _speaks_no_tls(exc)
            or (sys.platform == "linux" and _unresolved(exc)))


def _tls_reason(exc: BaseException) -> str:
    for seen in _chain(exc):
        if isinstance(seen, ssl.SSLCertVerificationError) and seen.verify_message:
            return str(seen.verify_message)
    return "certificate verify failed"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    if not text and exc.__cause__ is not None:
        text = str(exc.__cause__)
    return text or type(exc).__name__
