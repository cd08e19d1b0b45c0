"""Options and arguments resource groups share, declared once. A typer Option object may be
the default of many commands' parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

Yes = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation")
Limit = typer.Option(None, "--limit", help="Stop after N items (default: every page)")
Sort = typer.Option(None, "--sort", help="Sort fields, comma-separated; '-' for descending")
Projections = typer.Option(None, "--projections", help="Fields to return, comma-separated "
                           "(repeatable)")
OutputFile = typer.Option(None, "--output-file", help="Where to write ('-' for stdout)")
BodyFile = typer.Option(None, "--file", help="The body as JSON, from a file ('-' for stdin)")
Description = typer.Option(None, "--description", help="Description")
Tag = typer.Option(None, "--tag", help="Tag (repeatable)")
SpaceId = typer.Option(None, "--space-id", help="Space ID")


def PageSize(maximum: int) -> Any:
    """--page-size, with the API's maximum in its help (checked by kit.verbs.list_pages)."""
    return typer.Option(None, "--page-size", help=f"Items per request (1 to {maximum})")


def Name(help: str = "Display name") -> Any:
    return typer.Option(None, "--name", help=help)


def IdArgument(what: str, complete: Callable[..., list[str]] | None = None) -> Any:
    """The ID of one resource (`what` is e.g. "Data asset ID")."""
    return typer.Argument(..., help=what, autocompletion=complete)


def IdsArgument(what: str, complete: Callable[..., list[str]] | None = None) -> Any:
    """One or more IDs, separate or comma-separated."""
    return typer.Argument(..., help=f"{what}s (comma-separated or several)",
                          autocompletion=complete)


def split(values: list[str] | None) -> list[str] | None:
    """Comma-separated and/or repeated values as one list (None when none is left)."""
    if not values:
        return None
    out = [v.strip() for raw in values for v in raw.split(",") if v.strip()]
    return out or None
