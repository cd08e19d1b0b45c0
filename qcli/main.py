"""Entry point. `qcli --version` and shell completion requests are answered here, before typer
or any heavy library loads."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args in (["--version"], ["version"]):
        from qcli import __version__

        sys.stdout.write(f"qcli {__version__}\n")
        return 0
    if argv is None and "_QCLI_COMPLETE" in os.environ:  # a TAB: from the completion index
        from qcli.cli.fastcomplete import answer

        code = answer()
        if code is not None:
            return code
    from qcli.cli.root import run

    return run(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
