"""Deferred imports for a fixed list of modules (Mercurial's demandimport idea, limited to the
modules named in DEFERRED).

typer, httpx and httpcore import modules at module level that a one-shot command such as
`qcli extension ls` never uses: subprocess (typer's shell detection), email.parser (http.client's
header parser), anyio and certifi (httpcore's async and default-TLS paths), idna (non-ASCII host
names), and so on. `defer()` puts a placeholder for each in `sys.modules`, before typer and httpx
load; the module's code runs at the first access to one of its attributes. A module whose
attribute is read while typer or httpx loads (or that is named in a `from ... import`) simply
loads then: no gain, no harm. tests/cli/test_lazy_imports.py fails when a module in the list is no
longer deferred through `qcli extension ls` (and tests/config/test_credentials.py when one of
keyring's is no longer deferred through a key read from a remembered backend), so that the list
cannot rot.

Why not `importlib.util.LazyLoader` as it is: its placeholder loads on any attribute access,
`__spec__` included, and the import system reads `__spec__` every time an `import` statement
names a module already in `sys.modules` (CPython 3.11-3.13), so the second `import subprocess`
anywhere would load it; and before 3.12 it has no lock, so two threads could run a module's code
twice. The placeholder here answers `__spec__` without loading, and loads under a lock.
"""

from __future__ import annotations

import sys
from _thread import RLock
from collections.abc import Iterable
from importlib.machinery import SourceFileLoader, SourcelessFileLoader
from importlib.util import find_spec, module_from_spec
from types import ModuleType
from typing import Any

# Imported by typer, httpx or httpcore with a plain `import X`, and not used while they load.
DEFERRED = (
    "subprocess",  # typer (completion's shell detection); also spares signal, selectors, locale
    "email.parser",  # http.client (parse_headers); also spares email.feedparser
    "email.header",  # email._policybase (header folding, never used by qcli's HTTP client)
    "anyio",  # httpcore's async backend (qcli is synchronous)
    "certifi",  # httpcore's default TLS context (qcli builds its own: qcli.http.tls)
    "idna",  # httpx's URL parser, for non-ASCII host names only
    "mimetypes",  # httpx's multipart uploads
    "textwrap",  # traceback, inspect
    "linecache",  # inspect, traceback: source lines of a traceback
    "tokenize",  # inspect, linecache
    "shellingham",  # typer's shell detection for `--install-completion`
    "selectors",  # socket (sendfile only)
    "locale",  # calendar, gettext (locale-aware formatting qcli does not use)
    "email.errors",  # email.message, http.client: defect and parse-error classes
    "numbers",  # typer (is_number_type, when a command with a number option is built)
    "stringprep",  # the idna codec, for non-ASCII host names only
    # imported by keyring (a key in the OS keyring) and used only when it detects its backend,
    # which a remembered backend spares (qcli.config.keyring_choice): ~7 ms
    "importlib_metadata",  # keyring.compat.py312: entry points, for detection
    "configparser",  # keyring.core: keyringrc.cfg, read only where one exists
    "more_itertools",  # jaraco.functools, in functions keyring does not call
)

_locks: dict[str, Any] = {}  # one per deferred module: its loader holds it, other threads wait
_loading: set[str] = set()


class DeferredModule(ModuleType):
    """A module whose code has not run yet: the first read of any attribute but `__spec__`
    runs it (under a lock: other threads wait; the loading thread itself sees the module as
    it fills, as with any import in progress)."""

    def __getattribute__(self, attr: str) -> Any:
        if attr == "__spec__":
            return ModuleType.__getattribute__(self, attr)
        _load(self)
        return ModuleType.__getattribute__(self, attr)

    def __dir__(self) -> Iterable[str]:
        _load(self)
        return ModuleType.__dir__(self)


def _load(module: ModuleType) -> None:
    spec = ModuleType.__getattribute__(module, "__spec__")
    with _locks[spec.name]:
        # loaded meanwhile by another thread, or read by its own loading (exec_module reads
        # __name__ and __dict__; an import cycle may read it half-filled, as with any import)
        if type(module) is DeferredModule and spec.name not in _loading:
            _run(module, spec)


def _run(module: ModuleType, spec: Any) -> None:
    namespace = ModuleType.__getattribute__(module, "__dict__")
    before = dict(namespace)
    _loading.add(spec.name)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        if sys.modules.get(spec.name) is module:  # as a failed import: the next import retries
            del sys.modules[spec.name]
        raise
    finally:
        _loading.discard(spec.name)
    # what was set on the module before it ran (a submodule bound on its package, say) wins,
    # as it would have had the module been imported first
    namespace.update({k: v for k, v in before.items() if namespace.get(k) is not v
                      and not (k.startswith("__") and k.endswith("__"))})
    module.__class__ = ModuleType


def defer(names: tuple[str, ...] = DEFERRED) -> None:
    """Put a deferred placeholder in `sys.modules` for each module named that is not imported
    yet and is Python code on disk (not a built-in, an extension or a namespace package)."""
    for name in names:
        if name in sys.modules:
            continue
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is None or not isinstance(spec.loader, SourceFileLoader | SourcelessFileLoader):
            continue
        _locks[name] = RLock()
        module = module_from_spec(spec)
        module.__class__ = DeferredModule
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)


def still_deferred(names: tuple[str, ...] = DEFERRED) -> list[str]:
    """The modules named whose code has not run (yet)."""
    return [name for name in names if type(sys.modules.get(name)) is DeferredModule]
