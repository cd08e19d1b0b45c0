"""Shell completion of live values. A completer never prints an error or blocks the shell."""

from __future__ import annotations


def context_names(incomplete: str) -> list[str]:
    try:
        from qcli.config.contexts import ContextStore
        from qcli.config.paths import config_dir

        names = ContextStore(config_dir()).load().contexts
    except Exception:  # a completion must stay silent
        return []
    return sorted(n for n in names if n.startswith(incomplete))


def complete_context(incomplete: str) -> list[str]:
    return context_names(incomplete)
