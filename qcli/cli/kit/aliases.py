"""qlik-cli's camelCase flags (`--connectionId`) as qcli's kebab-case ones (`--connection-id`):
hidden aliases that need no declaration, applied to a command's own arguments before parsing."""

from __future__ import annotations

from qcli.cli._aliases import ALIASES, kebab_aliases  # no heavy imports: fastcomplete's too

__all__ = ["ALIASES", "kebab_aliases", "own_names"]


def own_names(params: list[object]) -> set[str]:
    """Every option name a command declares (primary and secondary)."""
    names: set[str] = set()
    for param in params:
        names.update(getattr(param, "opts", []))
        names.update(getattr(param, "secondary_opts", []))
    return names
