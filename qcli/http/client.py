"""The one httpx client of an invocation.

Keep-alive, proxies from the environment, TLS verification on (`--insecure` warns, `--ca-cert`
adds a CA bundle), `User-Agent: qcli/<version>`, timeouts from `--timeout`, retries with backoff
and jitter, 429 + Retry-After, error envelope -> ApiError, and one pagination iterator.
"""

from __future__ import annotations

import contextlib
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from qcli import __version__
from qcli.config.settings import Connection
from qcli.errors import ApiError, NetworkError, QcliError, UsageError
from qcli.http.auth import Authenticator
from qcli.http.envelope import parse_error
from qcli.http.retry import IDEMPOTENT_METHODS, RETRY_STATUSES, RetryPolicy, parse_retry_after

# errors that prove the request never reached the server: safe to repeat for any method
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class HttpClient:
    def __init__(
        self,
        conn: Connection,
        *,
        log: Callable[[str], None] | None = None,
        warn: Callable[[str], None] | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
        credential_cache: Any = None,
    ):
        self.conn = conn
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._log = log
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
        self.auth = Authenticator(conn, self._client, credential_cache=credential_cache)

    # -- lifecycle -------------------------------------------------------------------------------
    def close(self) -> None:
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

    def send_once(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: Any = None,
        params: Mapping[str, Any] | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """One attempt, no retries, no status check: for protocols that retry on their own terms
        (tus). Transport errors are raised as httpx exceptions; see network_error()."""
        if not same_origin(url, self.conn.server):
            raise QcliError(f"refusing to send the API key to {url}: it is on another origin "
                            f"than the context's server {self.conn.server}")
        request_headers = dict(headers or {})
        request_headers["Authorization"] = self.auth.header()
        request = self._build(method, url, headers=request_headers, content=content,
                              params=params, timeout=timeout or self._client.timeout)
        started = time.monotonic()
        self._trace(f"> {method} {request.url}")
        response = self._client.send(request)
        elapsed = (time.monotonic() - started) * 1000
        self._trace(f"< {response.status_code} {response.reason_phrase} ({elapsed:.0f} ms)")
        if response.status_code == 401 and self.auth.can_refresh:
            self.auth.invalidate()
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
                f"{method} {path}: the server answered {response.status_code} with a body "
                "that is not JSON"
            ) from None

    def _send(
        self,
        method: str,
        path: str,
        *,
        stream: bool,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        files: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        ok: Callable[[int], bool] = lambda status: 200 <= status < 300,
    ) -> httpx.Response:
        method = method.upper()
        idempotent = method in IDEMPOTENT_METHODS
        retry = 0
        auth_refreshed = False
        while True:
            _rewind(files)
            request_headers = dict(headers or {})
            request_headers["Authorization"] = self.auth.header()
            request = self._build(
                method,
                path,
                params=params,
                json=json,
                content=content,
                files=files,
                data=data,
                headers=request_headers,
            )
            started = time.monotonic()
            self._trace(f"> {method} {request.url}")
            try:
                response = self._client.send(request, stream=stream)
            except httpx.TransportError as exc:
                safe = isinstance(exc, _NOT_SENT) or idempotent
                if safe and retry + 1 < self.retry.attempts:
                    pause = self.retry.backoff(retry)
                    self._trace(f"< {type(exc).__name__}: retrying in {pause:.1f} s")
                    self._sleep(pause)
                    retry += 1
                    continue
                raise self.network_error(exc, method, str(request.url)) from None
            elapsed = (time.monotonic() - started) * 1000
            self._trace(f"< {response.status_code} {response.reason_phrase} ({elapsed:.0f} ms)")
            status = response.status_code
            if ok(status):
                return response
            if status == 401 and not auth_refreshed and self.auth.can_refresh:
                response.close()
                self.auth.invalidate()
                auth_refreshed = True
                continue
            if retry + 1 < self.retry.attempts:
                wait: float | None = None
                if status == 429:
                    after = parse_retry_after(response.headers.get("Retry-After"))
                    wait = self.retry.backoff(retry) if after is None else after
                    if wait > self.retry.max_retry_after:
                        wait = None
                elif status in RETRY_STATUSES and idempotent:
                    wait = self.retry.backoff(retry)
                if wait is not None:
                    response.close()
                    self._trace(f"< retrying in {wait:.1f} s")
                    self._sleep(wait)
                    retry += 1
                    continue
            raise self._api_error(response, method)

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
        """
        query: dict[str, Any] = {k: v for k, v in (params or {}).items() if v is not None}
        if page_size is not None:
            query["limit"] = page_size
        if limit is not None and (page_size is None or limit < page_size):
            query["limit"] = min(limit, max_page_size)
        url = path
        seen: set[str] = set()
        count = 0
        while True:
            body = self.json("GET", url, params=query or None)
            if not isinstance(body, dict):
                raise QcliError(f"GET {path}: expected a JSON object with 'data'")
            items = body.get("data") or []
            for item in items:
                yield item
                count += 1
                if limit is not None and count >= limit:
                    return
            if not items:
                return
            next_href = ((body.get("links") or {}).get("next") or {}).get("href")
            if next_href:
                url = self._same_server(next_href)
                if url in seen:
                    return
                seen.add(url)
                query = {}
                continue
            if seen:  # a server that gives next links gives one until the last page
                return
            pages = body.get("pages")
            if isinstance(pages, int):
                page = int(query.get("page") or body.get("page") or 1)
                if page >= pages:
                    return
                query["page"] = page + 1
                continue
            return

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
        return parse_error(
            response.status_code,
            body,
            headers=dict(response.headers),
            method=method,
            url=str(response.request.url),
        )

    def network_error(self, exc: Exception, method: str, url: str) -> NetworkError:
        host = urlsplit(url).netloc
        if _is_tls_failure(exc):
            return NetworkError(
                f"TLS certificate of {host} is not trusted ({_tls_reason(exc)})",
                hint="pass --ca-cert PATH (or set QCLI_CA_CERT) with the CA that signed it, "
                "or --insecure to skip verification",
            )
        if isinstance(exc, httpx.TimeoutException):
            return NetworkError(
                f"{method} {url} timed out after {self.conn.timeout:g} s",
                hint="raise the limit with --timeout SECONDS",
            )
        if isinstance(exc, httpx.ConnectError):
            return NetworkError(f"cannot connect to {self.conn.server}: {_reason(exc)}")
        return NetworkError(f"{method} {url} failed: {_reason(exc)}")

    def _trace(self, line: str) -> None:
        if self._log is not None:
            self._log(line)


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

    import certifi

    # SSL_CERT_FILE replaces the default bundle, as it does for curl and openssl.
    ctx = ssl.create_default_context(cafile=os.environ.get("SSL_CERT_FILE") or certifi.where())
    if conn.ca_cert:
        ctx.load_verify_locations(cafile=conn.ca_cert)
    return ctx


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _tls_reason(exc: BaseException) -> str:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) and seen.verify_message:
            return str(seen.verify_message)
        seen = seen.__cause__ or seen.__context__
    return "certificate verify failed"


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    if not text and exc.__cause__ is not None:
        text = str(exc.__cause__)
    return text or type(exc).__name__
