"""A rich progress bar on stderr (never stdout), only when stderr is a terminal."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from qcli.iostreams import IOStreams


@contextlib.contextmanager
def progress_bar(io: IOStreams, total: int | None, description: str) -> Iterator[Callable[[int], None]]:
    """Yield `advance(nbytes)`; a no-op when no person watches stderr or --no-progress."""
    if not io.show_progress:
        yield lambda n: None
        return
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
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)
