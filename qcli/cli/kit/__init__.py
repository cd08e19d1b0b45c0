"""The command kit: what a resource group is declared with.

- `commands`: `new_typer`, `@command`, `application(ctx)`; qcli's command and group classes
- `globals`: the global options, declared once; `aliases`: camelCase flag aliases
- `lazy`: groups imported on first use; `adapter`: the one module with typer's private names
- `options`: shared options (Yes, Limit, PageSize, Sort, Name, OutputFile, ...) declared once
- `fields`: a verb's options as a declared structure (a dataclass), not `locals()`
- `verbs`: list-with-paging, get, and confirm-and-delete in its three strategies
"""

from qcli.cli.kit.commands import application, command, new_typer

__all__ = ["application", "command", "new_typer"]
