"""One object that knows where output goes and whether a person is watching (after gh's IOStreams)."""

from __future__ import annotations

import os
import sys
from typing import IO, Any, TextIO


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class IOStreams:
    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        env: dict[str, str] | None = None,
    ):
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.env = env if env is not None else dict(os.environ)
        self.color_disabled = "NO_COLOR" in self.env or self.env.get("TERM") == "dumb"
        self.progress_disabled = False
        self._warned: set[str] = set()

    # -- terminals ---------------------------------------------------------------------------
    @property
    def stdout_is_tty(self) -> bool:
        return _isatty(self.stdout)

    @property
    def stderr_is_tty(self) -> bool:
        return _isatty(self.stderr)

    @property
    def stdin_is_tty(self) -> bool:
        return _isatty(self.stdin)

    @property
    def can_prompt(self) -> bool:
        """A person can answer: stdin and stderr are both terminals, and this is not CI."""
        return self.stdin_is_tty and self.stderr_is_tty

    @property
    def color_stdout(self) -> bool:
        return self.stdout_is_tty and not self.color_disabled

    @property
    def color_stderr(self) -> bool:
        return self.stderr_is_tty and not self.color_disabled

    @property
    def show_progress(self) -> bool:
        return self.stderr_is_tty and not self.progress_disabled

    @property
    def terminal_width(self) -> int:
        import shutil

        return shutil.get_terminal_size((100, 24)).columns

    # -- stdout: data only -------------------------------------------------------------------
    def out(self, text: str) -> None:
        try:
            self.stdout.write(text)
        except UnicodeEncodeError as exc:
            self._out_unencodable(text, exc)

    def _out_unencodable(self, text: str, exc: UnicodeEncodeError) -> None:
        """stdout's encoding (PYTHONIOENCODING=ascii, a Latin-1 locale) lacks a character: qcli's
        own ellipsis becomes '...'; a character of the data ends the run with exit 2."""
        if "\u2026" in text:
            try:
                self.stdout.write(text.replace("\u2026", "..."))
                return
            except UnicodeEncodeError as again:
                exc = again
        raise self.unencodable(exc) from None

    def unencodable(self, exc: UnicodeEncodeError) -> Any:
        """The UsageError (exit 2) for a character stdout's encoding lacks."""
        from qcli.errors import UsageError

        char = exc.object[exc.start:exc.start + 1]
        encoding = getattr(self.stdout, "encoding", None) or exc.encoding
        return UsageError(
            f"stdout's encoding ({encoding}) cannot represent the character U+{ord(char):04X} "
            "of the output",
            hint="set PYTHONIOENCODING=utf-8, or use a UTF-8 locale",
        )

    def is_stdout_encoding(self, exc: UnicodeEncodeError) -> bool:
        import codecs

        encoding = getattr(self.stdout, "encoding", None)
        if not isinstance(encoding, str):
            return False
        try:
            return codecs.lookup(encoding).name == codecs.lookup(exc.encoding).name
        except LookupError:
            return False

    def out_binary(self) -> IO[bytes]:
        return self.stdout.buffer

    def in_binary(self) -> IO[bytes]:
        return self.stdin.buffer

    # -- stderr: everything else -------------------------------------------------------------
    def err(self, text: str) -> None:
        self.stderr.write(text if text.endswith("\n") else text + "\n")
        self.stderr.flush()

    def warn(self, text: str, *, once_key: str | None = None) -> None:
        if once_key is not None:
            if once_key in self._warned:
                return
            self._warned.add(once_key)
        prefix = "\x1b[33mwarning:\x1b[0m" if self.color_stderr else "warning:"
        self.err(f"{prefix} {text}")

    def error_line(self, text: str) -> None:
        prefix = "\x1b[31merror:\x1b[0m" if self.color_stderr else "error:"
        self.err(f"{prefix} {text}")

    def read_secret(self, prompt: str) -> str:
        """Read a secret from the terminal without echo."""
        import getpass

        return getpass.getpass(prompt, stream=self.stderr)

    def confirm(self, prompt: str) -> bool:
        self.stderr.write(f"{prompt} [y/N]: ")
        self.stderr.flush()
        answer = self.stdin.readline()
        return answer.strip().lower() in ("y", "yes")
