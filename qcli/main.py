"""Entry point. `qcli --version` and shell completion requests are answered here, before typer
or any heavy library loads.

Output errors end here too: a reader that closed the pipe (`qcli ... | head -1`) means exit 0
with nothing on stderr (the reader chose to stop; `set -o pipefail` stays green); any other
failure to write stdout (a full disk, /dev/full) is one line and exit 1.

The garbage collector's policy for the process (qcli/gcpolicy.py) starts and ends here."""

from __future__ import annotations

import os
import sys

from qcli import gcpolicy


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    code: int | None = 0
    gcpolicy.starting()
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
                if argv is None:  # the process's own command line
                    from qcli.http import preconnect

                    preconnect.start(args, os.environ)  # TCP to the tenant while typer loads
                from qcli.cli.root import run

                code = run(args)
        sys.stdout.flush()
    except KeyboardInterrupt:  # Ctrl-C while qcli loads (once a command runs, run() says it)
        if code != 130:  # (a second Ctrl-C after run() said it: once is enough)
            sys.stderr.write("interrupted\n")
        return 130  # ExitCode.INTERRUPTED
    except BrokenPipeError:
        silence_stdout()
    except OSError as exc:
        silence_stdout()
        sys.stderr.write(f"error: cannot write the output: {exc.strerror or exc}\n")
        return 1
    finally:
        gcpolicy.ending()
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
