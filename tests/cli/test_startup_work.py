"""Work every qcli run does before its command runs, kept small (issue #14 §2)."""

from __future__ import annotations

from qcli.cli.kit import globals as kit_globals


def test_functions_typer_inspects_on_every_run_have_no_string_annotations() -> None:
    # typer evaluates each string annotation (an eval and a compile) whenever it builds the
    # global options: about 0.8 ms of every run with `from __future__ import annotations`
    inspected = [kit_globals._global_options, kit_globals._store,
                 kit_globals._complete_contexts, kit_globals._complete_formats]
    for func in inspected:
        assert func.__annotations__, func.__name__
        strings = {k: v for k, v in func.__annotations__.items() if isinstance(v, str)}
        assert not strings, (func.__name__, strings)
