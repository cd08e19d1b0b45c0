"""A verb's options as a declared structure (gh's Options struct): a dataclass whose fields are
typer options. `@with_options` expands a parameter annotated with such a dataclass into its
options and hands the command one instance, so renaming a field renames its option and nothing
is collected from `locals()`."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import field, fields, is_dataclass
from typing import Any

import typer


def option(*decls: Any, help: str | None = None, wire: str | None = None, **kwargs: Any) -> Any:
    """A dataclass field that is a typer option (default None): declared here from its flags and
    help, or one of kit.options' shared options given as is. `wire` names it in a request body
    when that is not the field's name in camelCase."""
    if len(decls) == 1 and not isinstance(decls[0], str):
        made = decls[0]  # a shared typer.Option
    else:
        made = typer.Option(None, *decls, help=help, **kwargs)
    return field(default=None, metadata={"option": made, "wire": wire})


def wire_fields(opts: Any) -> dict[str, Any]:
    """The fields that were given (not None, not empty), by their wire names (a dotted one
    nests)."""
    out: dict[str, Any] = {}
    for f in fields(opts):
        value = getattr(opts, f.name)
        if value is None or value == []:
            continue
        *parents, last = (f.metadata.get("wire") or _camel(f.name)).split(".")
        target = out
        for key in parents:  # "dataStoreInfo.id": {"dataStoreInfo": {"id": value}}
            target = target.setdefault(key, {})
        target[last] = value
    return out


def _camel(name: str) -> str:
    head, *rest = name.rstrip("_").split("_")
    return head + "".join(part.title() for part in rest)


def with_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Expand each parameter annotated with an option dataclass into that dataclass's options
    (listed after the command's own parameters); call `func` with one instance of it."""
    hints = typing.get_type_hints(func)
    names_taken = set(inspect.signature(func).parameters)
    own: list[inspect.Parameter] = []
    expanded: list[inspect.Parameter] = []
    groups: dict[str, tuple[type, list[str]]] = {}
    annotations: dict[str, Any] = {}
    for param in inspect.signature(func).parameters.values():
        hint = hints.get(param.name, param.annotation)
        if isinstance(hint, type) and is_dataclass(hint):
            field_hints = typing.get_type_hints(hint)
            names = []
            for f in fields(hint):
                if f.name in annotations or f.name in names_taken:
                    raise TypeError(f"{func.__name__}: option {f.name!r} declared twice")
                expanded.append(inspect.Parameter(
                    f.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                    default=f.metadata["option"], annotation=field_hints[f.name]))
                annotations[f.name] = field_hints[f.name]
                names.append(f.name)
            groups[param.name] = (hint, names)
        else:
            own.append(param.replace(annotation=hint))
            if param.name in hints:
                annotations[param.name] = hint

    @functools.wraps(func)
    def command(**kwargs: Any) -> Any:
        for name, (cls, names) in groups.items():
            kwargs[name] = cls(**{n: kwargs.pop(n) for n in names})
        return func(**kwargs)

    command.__signature__ = inspect.Signature([*own, *expanded])  # type: ignore[attr-defined]
    command.__annotations__ = annotations
    return command
