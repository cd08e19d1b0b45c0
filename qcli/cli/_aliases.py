"""qlik-cli's camelCase flag spellings as qcli's kebab-case options (no heavy imports: shell
completion uses this too)."""

from __future__ import annotations

import re

# qlik-cli spellings whose kebab-case form is not qcli's option name
ALIASES = {"--tempContentFileId": "--temp-content-id"}
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def kebab_aliases(args: list[str], names: set[str]) -> list[str]:
    """qlik-cli's camelCase flags (`--connectionId`) as qcli's kebab-case ones, where qcli has
    that option: hidden aliases that need no declaration."""
    out = []
    for i, token in enumerate(args):
        if token == "--":
            out.extend(args[i:])
            break
        if token.startswith("--") and any(c.isupper() for c in token):
            flag, eq, value = token.partition("=")
            kebab = ALIASES.get(flag) or "--" + _CAMEL.sub(r"-\1", flag[2:]).lower()
            if kebab in names:
                token = kebab + eq + value
        out.append(token)
    return out
