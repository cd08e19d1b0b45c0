"""The engine of the bulk commands (data-file sync, data-file create FILE..., extension deploy):
N worker threads on the invocation's one HTTP client, one shared pause after a 429 (its
Retry-After holds every worker), one progress display on stderr, and one result per item.

An item's `run` does its requests and returns the ID it made or changed; an exception fails that
item only (its message goes in the result), the rest go on. Ctrl-C stops handing out items."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from qcli.errors import ExitCode, QcliError, batch_error

if TYPE_CHECKING:
    from qcli.app import Application

DEFAULT_PARALLEL = 4  # inside the write tier (100 a minute) without a storm of 429s
MAX_PARALLEL = 32
THROTTLE_ATTEMPTS = 60  # 429s one request may meet before it fails (each waits Retry-After)
RESULT_COLUMNS = [("NAME", "name"), ("ACTION", "action"), ("STATUS", "status"), ("ID", "id"),
                  ("ERROR", "error")]


@dataclass
class Item:
    name: str
    action: str  # create, update, skip, delete, ...
    size: int = 0  # bytes it sends (for the progress display)
    id: str | None = None  # known before the run (update, skip, delete)
    run: Callable[[], str | None] | None = None  # None: nothing to send (skip)
    result: dict[str, Any] = field(default_factory=dict)
    code: int = 0  # a failure's exit code (the batch rule)

    def outcome(self, status: str, error: str | None = None,
                item_id: str | None = None, code: int = ExitCode.ERROR) -> dict[str, Any]:
        self.code = code if status == "failed" else 0
        self.result = {"name": self.name, "action": self.action, "id": item_id or self.id,
                       "status": status, "error": error}
        return self.result


def check_parallel(value: int | None) -> int:
    from qcli.errors import UsageError

    if value is None:
        return DEFAULT_PARALLEL
    if not 1 <= value <= MAX_PARALLEL:
        raise UsageError(f"--parallel must be between 1 and {MAX_PARALLEL}, not {value}")
    return value


def prepare(a: Application) -> None:
    """The HTTP client for many threads: one pause after a 429 for all of them, 429s counted
    apart from failures, and no retry line per 429 (the display counts them)."""
    from qcli.http.retry import Gate

    http = a.http
    http.gate = http.gate or Gate()
    http.retry.throttle_attempts = THROTTLE_ATTEMPTS
    http.announce_throttled = False


def run_items(a: Application, items: list[Item], parallel: int, label: str) -> list[dict[str, Any]]:
    """Run every item's `run` on `parallel` threads; one result per item, in the items' order."""
    prepare(a)
    todo = [i for i in items if i.run is not None]
    for item in items:
        if item.run is None:
            item.outcome("ok")
    display = Display(a, label, len(todo), sum(i.size for i in todo))
    a.printer  # noqa: B018 - made now, with the -q the user gave
    # the workflows' own lines and per-file bars would break the one display (rich allows one
    # live display at a time)
    quiet, a.options.quiet = a.options.quiet, True
    bars, a.io.progress_disabled = a.io.progress_disabled, True
    try:
        with display:
            if parallel == 1 or len(todo) <= 1:
                for item in todo:
                    _run_one(item, display)
            else:
                _run_pool(todo, parallel, display)
    finally:
        a.options.quiet = quiet
        a.io.progress_disabled = bars
    return [i.result for i in items]


def _run_one(item: Item, display: Display) -> None:
    from qcli.transfer.progress import reporting_to

    assert item.run is not None
    try:
        with reporting_to(display.sink(item)):  # a large file's bytes as they go
            made = item.run()
    except KeyboardInterrupt:
        raise
    except QcliError as exc:
        item.outcome("failed", exc.message, code=exc.exit_code)
        display.done(item, failed=True)
        return
    except Exception as exc:  # a worker's bug or an OS error fails its item, not the run
        item.outcome("failed", f"{type(exc).__name__}: {exc}")
        display.done(item, failed=True)
        return
    item.outcome("ok", item_id=made)
    display.done(item)


def _run_pool(todo: list[Item], parallel: int, display: Display) -> None:
    """`parallel` daemon threads take items from one queue. Ctrl-C stops at once: the items in
    flight are left as a kill would leave them (the next run finishes them), instead of
    keeping the interrupted command alive until a large upload ends."""
    import queue

    work: queue.SimpleQueue[Item | None] = queue.SimpleQueue()
    for item in todo:
        work.put(item)
    stop = threading.Event()
    finished = threading.Semaphore(0)

    def worker() -> None:
        while not stop.is_set():
            try:
                item = work.get_nowait()
            except queue.Empty:
                return
            if item is None:
                return
            _run_one(item, display)
            finished.release()

    threads = [threading.Thread(target=worker, name=f"qcli-bulk-{n}", daemon=True)
               for n in range(min(parallel, len(todo)))]
    for thread in threads:
        thread.start()
    try:
        for _ in todo:
            while not finished.acquire(timeout=0.2):
                if not any(t.is_alive() for t in threads):
                    return
    except KeyboardInterrupt:
        stop.set()
        raise QcliError("interrupted: run the same command again to finish (nothing finished is "
                        "sent again; large files resume)", exit_code=ExitCode.INTERRUPTED) from None


def finish(a: Application, items: list[Item], what: str) -> None:
    """Print the results (stdout), each failure on stderr, then the batch rule: exit 0 when all
    went well, 1 when some failed (the rest done), a failure's own code when all failed alike."""
    a.printer.items([i.result for i in items], columns=RESULT_COLUMNS, id_key="name")
    failed = [i for i in items if i.result["status"] == "failed"]
    for item in failed:
        a.io.error_line(f"{item.name}: {item.result['error']}")
    if failed:
        raise batch_error([i.code for i in failed], len(items), what)


class Display:
    """One progress line on stderr (files done/total, bytes, rate, ETA, failures, 429 pauses)
    when a person watches it; nothing without a terminal, with -q or --no-progress."""

    def __init__(self, a: Application, label: str, total: int, size: int):
        self.a = a
        self.label = label
        self.total = total
        self.size = size
        self.count = 0
        self.bytes = 0
        self.sent: dict[str, int] = {}  # bytes reported so far, by item
        self.failures = 0
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.progress: Any = None
        self.task: Any = None
        self.show = a.io.show_progress and not a.options.quiet

    def __enter__(self) -> Display:
        if not self.show or not self.total:
            return self
        from qcli.transfer.progress import transfer_progress

        self.progress = transfer_progress(self.a.io, after_bar=("{task.fields[files]}",),
                                          after_eta=("{task.fields[notes]}",),
                                          redirect_stderr=False, redirect_stdout=False)
        self.progress.start()
        self.task = self.progress.add_task(self.label, total=max(self.size, 1),
                                           files=self._files(), notes="")
        return self

    def _files(self) -> str:
        return f"{self.count}/{self.total} files"

    def sink(self, item: Item) -> Callable[[int], None]:
        """Where an item's upload reports its bytes done (resumed bytes included)."""
        def report(done: int) -> None:
            with self.lock:
                delta = min(done, item.size) - self.sent.get(item.name, 0)
                self.sent[item.name] = min(done, item.size)
                self.bytes += delta
                if self.progress is not None:
                    self.progress.update(self.task, advance=delta)
        return report

    def done(self, item: Item, failed: bool = False) -> None:
        with self.lock:
            self.count += 1
            rest = item.size - self.sent.get(item.name, 0)
            self.sent[item.name] = item.size
            self.bytes += rest
            self.failures += failed
            if self.progress is None:
                return
            notes = []
            if self.failures:
                notes.append(f"{self.failures} failed")
            throttled = getattr(self.a.http.gate, "throttled", 0)
            if throttled:
                notes.append(f"{throttled} x 429")
            self.progress.update(self.task, advance=rest, files=self._files(),
                                 notes=", ".join(notes))

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()
