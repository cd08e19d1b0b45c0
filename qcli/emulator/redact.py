"""Secrets out of the emulator's request log (`GET /__emulator/requests`).

Known secrets (the API key, OAuth client secrets, issued tokens) are replaced wherever they
appear, also percent-encoded or JSON-escaped; and the values of headers, query parameters,
form fields and JSON fields whose names say secret (Authorization, Cookie, X-Api-Key, apiKey,
client_secret, access_token, password, ...) are replaced whatever they hold.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
# a name that says secret: x-api-key, apiKey, client_secret, access_token, Authorization, ...
_NAMES = (r"(?:[A-Za-z0-9]*[-_])?(?:api[-_]?key|client[-_]?secret|secret|password|passwd|"
          r"(?:access|refresh|id|bearer|auth)?[-_]?token|(?:proxy-)?authorization|"
          r"(?:set-)?cookie|credentials?)")
SECRET_NAME = re.compile(_NAMES, re.IGNORECASE)
_JSON_FIELD = re.compile(r'("' + _NAMES + r'"\s*:\s*)("(?:[^"\\]|\\.)*"|[^,}\]\s]+)',
                         re.IGNORECASE)
_FORM_FIELD = re.compile(r"((?:^|(?<=[&?]))" + _NAMES + r"=)[^&\s]*", re.IGNORECASE)


class Redactor:
    def __init__(self, secrets: Iterable[str]):
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) < 4:  # too short to replace without mangling the log
                continue
            forms.update({secret, quote(secret, safe=""), quote_plus(secret),
                          json.dumps(secret)[1:-1]})
        self.known = sorted(forms, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.known:
            value = value.replace(secret, REDACTED)
        value = _JSON_FIELD.sub(lambda m: m.group(1) + f'"{REDACTED}"', value)
        return _FORM_FIELD.sub(lambda m: m.group(1) + REDACTED, value)

    def entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        headers = {name: REDACTED if SECRET_NAME.fullmatch(name) else self.text(str(value))
                   for name, value in entry.get("headers", {}).items()}
        out = dict(entry, headers=headers)
        for field in ("path", "query", "body"):
            if isinstance(out.get(field), str):
                out[field] = self.text(out[field])
        return out
