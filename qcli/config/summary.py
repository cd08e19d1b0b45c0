"""A summary of contexts.yml in the completion cache: the current context and each context's
server, valid while contexts.yml keeps its size, mtime and inode. A TAB (qcli.cli.fastcomplete)
and the early connection (qcli.http.preconnect) read it without loading the YAML parser, and
(qcli.config.completion_cache) without json or pathlib.

Its lines: the stamp of contexts.yml ("size mtime_ns inode"), the current context ("+name", or
"-" for none), then for each context its name, its server and how it verifies TLS ("default",
or "own" for a context with a CA bundle or --insecure), a line each."""

from __future__ import annotations

import os

from qcli.config.completion_cache import read, write
from qcli.config.paths import completion_cache_name, config_folder

# the current context, each context's server, the contexts with their own TLS verification
Summary = tuple[str | None, dict[str, str], frozenset[str]]
FORMAT = "qcli-contexts 2"  # its first line (a file of another layout is not read)


def _stamp(path: str) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino}"


def read_current(env: dict[str, str] | None = None) -> Summary | None:
    """The summary if contexts.yml has not changed since it was written, else None."""
    path = os.path.join(config_folder(env), "contexts.yml")
    stamp = _stamp(path)
    return None if stamp is None else _read(path, stamp)


def _file(path: str) -> str:
    return completion_cache_name("contexts", os.path.abspath(path))


def _read(path: str, stamp: str) -> Summary | None:
    lines = read(_file(path), FORMAT)
    if (not lines or len(lines) % 3 != 2 or lines[0] != stamp or lines[1][:1] not in ("+", "-")
            or not set(lines[4::3]) <= {"default", "own"}):
        return None
    current = lines[1][1:] if lines[1][:1] == "+" else None
    names, servers, tls = lines[2::3], lines[3::3], lines[4::3]
    return (current, dict(zip(names, servers, strict=True)),
            frozenset(n for n, t in zip(names, tls, strict=True) if t == "own"))


def contexts() -> Summary:
    """The summary, from contexts.yml (and written again) when it is not current; (None, {},
    frozenset()) without a contexts.yml."""
    path = os.path.join(config_folder(), "contexts.yml")
    stamp = _stamp(path)
    if stamp is None:
        return None, {}, frozenset()
    fresh = _read(path, stamp)
    if fresh is not None:
        return fresh
    import contextlib
    from pathlib import Path

    from qcli.config.contexts import ContextStore

    data = ContextStore(Path(path).parent).load()
    servers = {name: ctx.server for name, ctx in data.contexts.items()}
    own = frozenset(name for name, ctx in data.contexts.items() if ctx.ca_cert or ctx.insecure)
    lines = [stamp, "-" if data.current is None else "+" + data.current]
    for name, server in servers.items():
        lines += [name, server, "own" if name in own else "default"]
    with contextlib.suppress(OSError):
        write(_file(path), lines, FORMAT)
    return data.current, servers, own
