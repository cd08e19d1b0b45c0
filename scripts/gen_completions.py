"""Write the static completion scripts into completions/ (`make completions`)."""

from __future__ import annotations

import sys
from pathlib import Path

from qcli.cli.completion import script

FILES = {"bash": "qcli.bash", "zsh": "_qcli", "fish": "qcli.fish", "powershell": "qcli.ps1"}


def render() -> dict[str, str]:
    return {name: script(shell) for shell, name in FILES.items()}


def main(target: str) -> None:
    out = Path(target)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (out / name).write_text(text)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "completions")
