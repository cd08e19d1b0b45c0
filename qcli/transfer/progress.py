"""A rich progress bar on stderr (never stdout), only when stderr is a terminal."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from qcli.iostreams import IOStreams


class Bar:
    """Bytes done so far; `advance` as bytes go, `set` after a retry rewinds to the server's offset."""

    def __init__(self, progress: Any = None, task: Any = None):
        self._progress = progress
        self._task = task

    def advance(self, n: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)

    def set(self, done: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=done)

    def set_total(self, total: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=total)


class SinkBar(Bar):
    """A bar that draws nothing and tells `sink` the bytes done (a bulk command's one display)."""

    def __init__(self, sink: Callable[[int], None], done: int = 0):
        super().__init__()
        self._sink = sink
        self._done = done

    def advance(self, n: int) -> None:
        self._done += n
        self._sink(self._done)

    def set(self, done: int) -> None:
        self._done = done
        self._sink(done)


_local = threading.local()


@contextlib.contextmanager
def reporting_to(sink: Callable[[int], None]) -> Iterator[None]:
    """Bars made in this thread meanwhile report their bytes done to `sink` instead of drawing."""
    _local.sink = sink
    try:
        yield
    finally:
        _local.sink = None


def transfer_progress(io: IOStreams, *, after_bar: tuple[str, ...] = (),
                      after_eta: tuple[str, ...] = (), **options: Any) -> Any:
    """A rich Progress on stderr (never stdout) with the transfer columns: description, bar,
    [after_bar texts], bytes done, rate, time left, [after_eta texts]."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(file=io.stderr, no_color=io.color_disabled)
    return Progress(TextColumn("{task.description}"), BarColumn(),
                    *(TextColumn(t) for t in after_bar), DownloadColumn(), TransferSpeedColumn(),
                    TimeRemainingColumn(), *(TextColumn(t) for t in after_eta), console=console,
                    transient=True, **options)


@contextlib.contextmanager
def progress_bar(io: IOStreams, total: int | None, description: str, *, done: int = 0
                 ) -> Iterator[Bar]:
    """A no-op bar when no person watches stderr, or with --no-progress; in a thread of a bulk
    command (reporting_to), one that feeds its display."""
    sink = getattr(_local, "sink", None)
    if sink is not None:
        yield SinkBar(sink, done)
        return
    if not io.show_progress:
        yield Bar()
        return
    with transfer_progress(io) as progress:
        task = progress.add_task(description, total=total, completed=done)
        yield Bar(progress, task)
