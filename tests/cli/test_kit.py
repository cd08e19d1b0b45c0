"""The command kit: the typer adapter's assumptions (fails loudly when a typer release moves
the private names qcli/cli/kit/adapter.py relies on), declared option structures, and that no
module outside the adapter imports a private typer or click name."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import typer
from typer.testing import CliRunner

import qcli
from qcli.cli.kit import command, new_typer
from qcli.cli.kit.fields import option, wire_fields, with_options

ROOT = Path(qcli.__file__).parent


def test_the_adapter_finds_every_private_name_it_uses() -> None:
    """If this fails after a typer upgrade, qcli/cli/kit/adapter.py needs updating (and the
    typer pin in pyproject.toml must not allow that release until it is)."""
    import typer.core

    from qcli.cli.kit import adapter

    assert issubclass(adapter.NoArgsIsHelp, adapter.ClickException)
    release = tuple(int(p) for p in typer.__version__.split(".")[:2])
    # typer 0.29 coerces through pydantic (typer._coercion), which the adapter replaces; an
    # older typer coerces through click and needs nothing replaced
    assert (adapter._RuntimeParam is not None) == (release >= (0, 29)), \
        "typer._coercion.RuntimeParam moved"
    if adapter._RuntimeParam is not None:
        assert callable(getattr(adapter._RuntimeParam, "_coerce_value", None))
    holder = typer.Typer()

    @holder.command()
    def cmd(count: int = typer.Option(1, "--count"), name: str = typer.Argument("x")) -> None:
        pass

    params = typer.main.get_command(holder).params
    for param in params:
        if adapter._RuntimeParam is not None:
            desc = param.type_descriptor
            for attr in ("annotation", "is_choice", "is_file", "is_path", "parameter_info"):
                assert hasattr(desc, attr), f"typer's type_descriptor lost {attr}"
            assert hasattr(param, "_runtime_param")
    adapter.fast_coercion(params)
    if adapter._RuntimeParam is not None:
        assert isinstance(params[0]._runtime_param, adapter._SimpleRuntimeParam)
    if release >= (0, 29):
        assert hasattr(params[1], "display_type_rich")
    assert "complete" in adapter.completion_script("bash", "qcli", "_QCLI_COMPLETE")
    adapter.init_completion()
    assert adapter.custom_completer(params[0]) is None
    assert adapter.choice_text("x") == "x"
    assert issubclass(typer.core.TyperGroup, object)


def test_simple_options_are_coerced_without_pydantic() -> None:
    code = ("import sys; from qcli.cli.root import run; "
            "code = run(['data-store', 'ls', '--limit', 'x', '--server', 'http://127.0.0.1:9']); "
            "assert code == 2, code; assert 'pydantic' not in sys.modules, 'pydantic imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    assert "'x' is not a valid int" in done.stderr


def test_no_private_typer_or_click_name_outside_the_adapter() -> None:
    scripts = ROOT.parent / "scripts"
    for path in [*ROOT.rglob("*.py"), *scripts.rglob("*.py")]:
        if path.name == "adapter.py" and path.parent.name == "kit":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                assert not name.startswith(("typer._", "click")), (path, name)
                assert not name.startswith("typer.") or "._" not in name, (path, name)
            if isinstance(node, ast.Attribute) and node.attr == "_custom_shell_complete":
                raise AssertionError((path, node.lineno, node.attr))


@dataclass
class _Fields:
    display_name: str | None = option("--display-name", help="Name")
    tag: list[str] | None = option("--tag", help="Tag", wire="tags")


def test_a_declared_option_structure_becomes_options_and_one_instance() -> None:
    app = new_typer("test")
    seen: list[object] = []

    @command(app, "make")
    @with_options
    def make(ctx: typer.Context, fields: _Fields, item: str = typer.Argument(...)) -> None:
        seen.append((item, fields, wire_fields(fields)))

    runner = CliRunner()
    result = runner.invoke(app, ["make", "one", "--display-name", "N", "--tag", "a", "--tag", "b"])
    assert result.exit_code == 0, result.output
    item, fields, wire = seen[0]  # type: ignore[misc]
    assert item == "one" and fields == _Fields(display_name="N", tag=["a", "b"])
    assert wire == {"displayName": "N", "tags": ["a", "b"]}
    result = runner.invoke(app, ["make", "--help"])
    assert "--display-name" in result.output and "--tag" in result.output
    assert "<str>" not in result.output and "ITEM " in result.output  # plain metavars
    # camelCase aliases come for free
    result = runner.invoke(app, ["make", "two", "--displayName", "M"])
    assert result.exit_code == 0, result.output
    assert seen[1][1] == _Fields(display_name="M")  # type: ignore[index]
