"""Exceptions that carry an exit code. Every error a user can cause ends as one of these."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # API or server error not listed below; partial batch failure
    USAGE = 2  # usage error or bad input caught before any request
    AUTH = 3  # 401, 403
    NOT_FOUND = 4  # 404, 410
    CONFLICT = 5  # 409, 423
    NETWORK = 6  # network, TLS, timeout
    INTERRUPTED = 130


class QcliError(Exception):
    """An error reported as one line on stderr with a documented exit code."""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


class UsageError(QcliError):
    exit_code = ExitCode.USAGE


class ConfigError(QcliError):
    """A problem with the saved configuration (contexts.yml, credentials)."""

    exit_code = ExitCode.USAGE


class NetworkError(QcliError):
    exit_code = ExitCode.NETWORK


def exit_code_for_status(status: int) -> int:
    if status in (401, 403):
        return ExitCode.AUTH
    if status in (404, 410):
        return ExitCode.NOT_FOUND
    if status in (409, 423):
        return ExitCode.CONFLICT
    return ExitCode.ERROR


def batch_error(codes: list[int], total: int, action: str) -> QcliError:
    """The one rule for commands that act on several items (every rm, change-space): each
    failure has been reported on stderr; when every item failed for the same reason the exit
    code is that reason's (all not found: 4), otherwise (some done, or mixed reasons) 1."""
    reasons = set(codes)
    code = reasons.pop() if len(codes) == total and len(reasons) == 1 else ExitCode.ERROR
    return QcliError(f"{len(codes)} of {total} {action} failed", exit_code=code)


class ApiError(QcliError):
    """An error response from the tenant, reduced to status, title, detail and trace ID."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        code: str | None = None,
        trace_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
    ):
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.trace_id = trace_id
        self.method = method
        self.url = url
        parts = [f"{status} {title}"]
        if detail and detail != title:
            parts.append(detail)
        message = ": ".join(parts)
        extras = []
        if method and url:
            extras.append(f"{method} {url}")
        if code:
            extras.append(f"code {code}")
        if trace_id:
            extras.append(f"trace {trace_id}")
        if extras:
            message += f" ({'; '.join(extras)})"
        hint = None
        if status == 401:
            hint = "check the API key: 'qcli context update NAME --api-key-stdin' or QCLI_API_KEY"
        super().__init__(message, hint=hint, exit_code=exit_code_for_status(status))
