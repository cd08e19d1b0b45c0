"""The one module that touches typer's private names (tests/cli/test_kit_adapter.py fails
loudly when a typer release moves them):

- typer vendors click as `typer._click` (typer >= 0.26): its exceptions are what a parse raises;
- typer 0.29 coerces every value through a pydantic TypeAdapter (`typer._coercion`); importing
  pydantic and building adapters costs ~90 ms a run, which `qcli extension ls` should not pay,
  so str/bool/int/float values are coerced here instead. Without `typer._coercion` (an older
  typer) nothing is replaced;
- shell completion needs typer's completion classes registered (`typer._completion_classes`).
"""

from __future__ import annotations

from typing import Any

from typer import _click

try:  # typer >= 0.29
    from typer._coercion import RuntimeParam as _RuntimeParam
except ImportError:  # pragma: no cover - older typer coerces through click itself
    _RuntimeParam = None  # type: ignore[assignment,misc]

ClickException = _click.exceptions.ClickException
NoArgsIsHelp = _click.exceptions.NoArgsIsHelpError
NoSuchOption = _click.exceptions.NoSuchOption
BadParameter = _click.exceptions.BadParameter
UsageError = _click.exceptions.UsageError

_SIMPLE_TYPES: dict[Any, tuple[type, bool]] = {}
for _t in (str, bool, int, float):
    _SIMPLE_TYPES[_t] = (_t, False)
    _SIMPLE_TYPES[_t | None] = (_t, False)
_SIMPLE_TYPES[list[str]] = (str, True)
_SIMPLE_TYPES[list[str] | None] = (str, True)


def _coerce(annotation: Any, value: Any, param: Any, ctx: Any) -> Any:
    kind, many = _SIMPLE_TYPES[annotation]
    if many:
        return [str(v) for v in value]
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    if kind is bool:
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "y", "on"):
            return True
        if text in ("0", "false", "no", "n", "off"):
            return False
    else:
        try:
            return kind(value)
        except (TypeError, ValueError):
            pass
    label = {int: "integer", float: "number"}.get(kind, kind.__name__)
    raise BadParameter(f"{value!r} is not a valid {label}.", ctx=ctx, param=param)


if _RuntimeParam is not None:

    class _SimpleRuntimeParam(_RuntimeParam):
        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            return _coerce(self.annotation, value, param, ctx)


def fast_coercion(params: list[Any]) -> None:
    """Coerce simple option values without pydantic (see the module's docstring)."""
    if _RuntimeParam is None:
        return
    for param in params:
        desc = getattr(param, "type_descriptor", None)
        if desc is None or getattr(param, "_runtime_param", None) is not None:
            continue
        try:
            simple = desc.annotation in _SIMPLE_TYPES
        except TypeError:  # unhashable annotation
            simple = False
        if simple and not desc.is_choice and not desc.is_file and not desc.is_path:
            param._runtime_param = _SimpleRuntimeParam(
                parameter_info=desc.parameter_info, annotation=desc.annotation
            )


def is_choice(param: Any) -> bool:
    desc = getattr(param, "type_descriptor", None)  # typer >= 0.29
    if desc is not None:
        return bool(desc.is_choice)
    return hasattr(getattr(param, "type", None), "choices")


def init_completion() -> None:
    """Register typer's completion classes before a shell's completion request is answered."""
    from typer._completion_classes import completion_init

    completion_init()


def _no_type(ctx: Any = None) -> None:
    return None


def plain_metavars(params: list[Any]) -> None:
    """Plain metavars (DATA, EXTENSION_ID) instead of <str>, <list[str]>, and "SOURCE  help"
    rather than "SOURCE <str>  help" for arguments."""
    for param in params:
        if (param.metavar is None and not getattr(param, "is_flag", False) and param.name
                and not is_choice(param)):
            param.metavar = param.name.strip("_").upper()
        if param.param_type_name == "argument":
            param.display_type_rich = _no_type


def completion_script(shell: str, prog_name: str, complete_var: str) -> str:
    """typer's completion script for bash, fish or powershell."""
    from typer._completion_shared import get_completion_script

    return get_completion_script(prog_name=prog_name, complete_var=complete_var, shell=shell)


def custom_completer(param: Any) -> Any:
    """The function typer wrapped as a parameter's shell completion (None without one)."""
    return getattr(param, "_custom_shell_complete", None)


def choice_text(choice: Any) -> str:
    """A choice as the command line spells it (an Enum's value)."""
    try:  # typer >= 0.29
        from typer._param_types import choice_as_str
    except ImportError:  # pragma: no cover - older typer
        return str(getattr(choice, "value", choice))
    return str(choice_as_str(choice))
