"""Python's garbage collector in a qcli process (bench/startup.py measures the effect).

A command makes most of its objects while modules load (typer's, httpx's, qcli's) and keeps them
to its end, so the collector's passes over them find next to nothing to free:

- `starting()` (main, first thing): until the command is ready to work, young-generation passes
  come STARTUP_YOUNG allocations apart instead of Python's 700.
- `ready()` (when the HTTP client is built, or before the emulator serves): the heavy imports
  are done. Python's thresholds come back, so a long listing's memory stays as flat as before
  (with 50,000 to the end, 100,000 data files took 99 MiB instead of 48), and every object made
  so far moves to the permanent generation (`gc.freeze()`), which no later pass scans.
- `ending()` (main, last thing): the same for what is left, so the collections Python runs while
  it shuts down skip it. Objects are still freed by their reference counts as the modules are
  cleared; only reference cycles are left to the OS, and nothing qcli writes waits for one
  (every file qcli writes is closed by a `with` block or atomically replaced, main flushes
  stdout, and the emulator closes its SQLite database when it stops: left to a cycle at exit,
  its write-ahead log stayed beside it, tests/emulator/test_admin.py). Files only read may be
  left open in a cycle; the OS closes them.

For `qcli extension ls` against the emulator: ~19 ms of shutdown and ~5 ms of start-up out of
~130 ms. Only main, the process's entry point, calls `starting()`: `ready()` and `ending()` change
nothing in a process where it did not run (the in-process tests, which call qcli.cli.root.run).
"""

from __future__ import annotations

import gc

STARTUP_YOUNG = 50_000  # allocations between young-generation passes while starting
_default: tuple[int, ...] | None = None  # Python's thresholds, kept while starting
_ours = False  # starting() ran in this process


def starting() -> None:
    global _default, _ours
    if not _ours:
        _ours = True
        _default = gc.get_threshold()
        gc.set_threshold(STARTUP_YOUNG, *_default[1:])


def ready() -> None:
    global _default
    if _default is not None:
        gc.set_threshold(*_default)
        _default = None
        gc.freeze()


def ending() -> None:
    if _ours:
        ready()
        gc.freeze()
