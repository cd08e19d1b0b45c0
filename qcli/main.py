"""Entry point. `qcli --version` and shell completion requests are answered here, before typer
or any heavy library loads.

Output errors end here too: a reader that closed the pipe (`qcli ... | head -1`) means exit 0
with nothing on stderr (the reader chose to stop; `set -o pipefail` stays green); any other
failure to write stdout (a full disk, /dev/full) is one line and exit 1.

The garbage collector: a one-shot command makes most of its objects while modules load (typer's,
httpx's, qcli's) and keeps them to its end, so the collector's passes over them find little to
free. `main` makes young-generation passes rarer (GC_YOUNG allocations apart, not 700) and, at the
end, moves every object left to the permanent generation (`gc.freeze()`), which the collections
Python runs while it shuts down skip: objects are still freed by their reference counts as the
modules are cleared, only cycles are left to the OS, and nothing qcli writes waits for one (every
file is closed by a `with` block, stdout is flushed here). For `qcli extension ls` that was ~19 ms
of shutdown and ~5 ms of start-up out of ~130 ms (bench/startup.py). `main` is the process's entry
point: the in-process tests call qcli.cli.root.run instead."""

from __future__ import annotations

import gc
import os
import sys

GC_YOUNG = 50_000  # allocations between young-generation collections (Python's default: 700)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    code: int | None = 0
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    try:
        if args in (["--version"], ["version"]):
            from qcli import __version__

            sys.stdout.write(f"qcli {__version__}\n")
        else:
            code = None
            if argv is None and "_QCLI_COMPLETE" in os.environ:  # a TAB: from the completion index
                from qcli.cli.fastcomplete import answer

                code = answer()
            if code is None:
                from qcli.lazyimport import defer

                defer()  # before typer and httpx load: modules they import and `ls` never uses
                from qcli.cli.root import run

                code = run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as exc:
        silence_stdout()
        sys.stderr.write(f"error: cannot write the output: {exc.strerror or exc}\n")
        return 1
    finally:
        gc.freeze()  # the shutdown's collections skip what is left (see above)
    return code or 0


def silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush has nothing to fail on."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
