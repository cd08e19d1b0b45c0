"""A summary of contexts.yml in the completion cache: the current context and each context's
server, valid while contexts.yml keeps its size, mtime and inode. A TAB (qcli.cli.completers) and
the early connection (qcli.http.preconnect) read it without loading the YAML parser."""

from __future__ import annotations

import json
from pathlib import Path

from qcli.config.paths import completion_cache_file, config_dir, ensure_private_dir

Summary = tuple[str | None, dict[str, str]]  # the current context, each context's server


def _stamp(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def read_current(env: dict[str, str] | None = None) -> Summary | None:
    """The summary if contexts.yml has not changed since it was written, else None."""
    path = config_dir(env) / "contexts.yml"
    stamp = _stamp(path)
    return None if stamp is None else _read(path, stamp)


def _read(path: Path, stamp: list[int]) -> Summary | None:
    try:
        entry = json.loads(completion_cache_file("contexts", str(path)).read_text())
        if entry["stamp"] == stamp:
            current = entry["current"]
            return (None if current is None else str(current),
                    {str(k): str(v) for k, v in entry["servers"].items()})
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    return None


def contexts() -> Summary:
    """The summary, from contexts.yml (and written again) when it is not current; (None, {})
    without a contexts.yml."""
    path = config_dir() / "contexts.yml"
    stamp = _stamp(path)
    if stamp is None:
        return None, {}
    fresh = _read(path, stamp)
    if fresh is not None:
        return fresh
    from qcli.config.contexts import ContextStore

    data = ContextStore(path.parent).load()
    servers = {name: ctx.server for name, ctx in data.contexts.items()}
    try:
        from qcli.config.atomic import write_private

        summary = completion_cache_file("contexts", str(path))
        ensure_private_dir(summary.parent)
        write_private(summary, json.dumps({"stamp": stamp, "current": data.current,
                                           "servers": servers}).encode())
    except OSError:
        pass
    return data.current, servers
