"""Checks on secrets where they enter (stdin, prompt, environment, keyring, credentials file),
and redaction of every form a secret can take in a message. Never echo any part of a secret."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from qcli.errors import UsageError

# sets, not regular expressions: compiling this character class took ~1.7 ms of every command
_LINE_BREAKS = frozenset("\r\n\u2028\u2029\x85\x0b\x0c")
_CONTROLS = frozenset([*map(chr, range(0x20)), "\x7f"])


def secret_problem(secret: str) -> str | None:
    """What is wrong with a secret as an HTTP header value, or None. Names the kind of
    character, never the character's place or its neighbours."""
    if not _LINE_BREAKS.isdisjoint(secret):
        return "a line break"
    if not _CONTROLS.isdisjoint(secret):
        return "a control character"
    if any(ord(c) > 0x7E for c in secret):
        return "a non-ASCII character"
    if any(c.isspace() for c in secret):
        return "a space"
    return None


def check_secret(secret: str, what: str, source: str, *, hint: str | None = None) -> str:
    """`secret` unchanged, or a UsageError (exit 2) naming what is wrong and where it came from."""
    problem = secret_problem(secret)
    if problem is None:
        return secret
    raise UsageError(
        f"the {what} from {source} contains {problem} (it must be one line of ASCII text)",
        hint=hint or "copy it again as one line",
    )


def secret_forms(secret: str) -> list[str]:
    """Every form in which a secret may show up in a message, longest first: itself, escaped
    (repr, bytes repr, JSON, percent-encoding), and its pieces between odd characters."""
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], quote(secret, safe=""),
             secret.encode("unicode_escape").decode("ascii"),
             repr(secret.encode("utf-8", "replace"))[2:-1],
             repr(secret.encode("latin-1", "replace"))[2:-1]}
    for piece in re.split(r"[^\x21-\x7e]+", secret):
        forms.add(piece)
    return sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)


def redact(text: str, secrets: list[str]) -> str:
    forms: list[str] = []
    for secret in secrets:
        if secret:
            forms.extend(secret_forms(secret))
    for form in sorted(set(forms), key=len, reverse=True):
        text = text.replace(form, "***")
    return text
