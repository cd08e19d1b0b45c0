"""qcli.lazyimport: modules typer and httpx import but `qcli extension ls` never uses are loaded
on first use. The list cannot rot (each module in it must still be deferred through a real
`extension ls`), and deferring is safe: a module used at import time, named in a
`from ... import`, read from several threads at once, or failing to load behaves as if it had
been imported eagerly."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Qcli

from qcli.lazyimport import DEFERRED, DeferredModule, defer, still_deferred


def test_every_module_in_the_list_is_still_deferred_through_extension_ls(qcli: Qcli,
                                                                          emu) -> None:
    # a module listed here loads during `extension ls` (typer or httpx now use it): take it
    # off qcli.lazyimport.DEFERRED
    report = ("sorted(set(__import__('qcli.lazyimport').lazyimport.DEFERRED) - "
              "set(__import__('qcli.lazyimport').lazyimport.still_deferred()))")
    assert qcli.after_extension_ls(emu, report) == "[]"


def test_the_list_names_no_module_twice_and_only_modules_that_exist() -> None:
    from importlib.util import find_spec

    assert len(set(DEFERRED)) == len(DEFERRED)
    for name in DEFERRED:
        assert name in sys.modules or find_spec(name) is not None, name


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder on sys.path for throwaway modules; whatever they add to sys.modules goes."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        del sys.modules[name]


def _write(folder: Path, name: str, code: str) -> None:
    (folder / f"{name}.py").write_text(code)


def test_import_statements_leave_it_deferred_and_an_attribute_loads_it(modules: Path) -> None:
    _write(modules, "lz_target", "import builtins\nbuiltins.lz_runs = getattr(builtins, "
           "'lz_runs', 0) + 1\nVALUE = 42\n")
    defer(("lz_target",))
    import lz_target  # noqa: F401 - the statement itself is what is tested
    import lz_target as again

    assert still_deferred(("lz_target",)) == ["lz_target"]
    assert again.__spec__.name == "lz_target"  # the import system's read: no load
    assert still_deferred(("lz_target",)) == ["lz_target"]
    assert again.VALUE == 42
    assert still_deferred(("lz_target",)) == [] and type(again) is not DeferredModule
    import builtins

    assert builtins.lz_runs == 1  # type: ignore[attr-defined]
    del builtins.lz_runs  # type: ignore[attr-defined]


def test_a_module_used_at_import_time_or_in_a_from_import_simply_loads(modules: Path) -> None:
    _write(modules, "lz_a", "X = 1\n")
    _write(modules, "lz_b", "Y = 2\n")
    _write(modules, "lz_user", "import lz_a\nfrom lz_b import Y\nX_SEEN = lz_a.X\n")
    defer(("lz_a", "lz_b"))
    import lz_user

    assert (lz_user.X_SEEN, lz_user.Y) == (1, 2)
    assert still_deferred(("lz_a", "lz_b")) == []


def test_threads_reading_it_at_once_run_its_code_once(modules: Path) -> None:
    _write(modules, "lz_slow", "import time\nimport builtins\nbuiltins.lz_slow_runs = getattr("
           "builtins, 'lz_slow_runs', 0) + 1\ntime.sleep(0.05)\nDONE = True\n")
    defer(("lz_slow",))
    import lz_slow

    seen: list[bool] = []
    start = threading.Barrier(8)

    def read() -> None:
        start.wait()
        seen.append(lz_slow.DONE)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    import builtins

    assert seen == [True] * 8  # no thread saw it half-run
    assert builtins.lz_slow_runs == 1  # type: ignore[attr-defined]
    del builtins.lz_slow_runs  # type: ignore[attr-defined]


def test_a_module_that_fails_raises_at_first_use_like_a_failed_import(modules: Path) -> None:
    _write(modules, "lz_broken", "raise RuntimeError('broken module')\n")
    defer(("lz_broken",))
    import lz_broken

    with pytest.raises(RuntimeError, match="broken module"):
        lz_broken.anything  # noqa: B018
    assert "lz_broken" not in sys.modules  # the next import tries again
    with pytest.raises(RuntimeError, match="broken module"):
        import lz_broken


def test_what_was_set_on_it_before_it_ran_is_kept(modules: Path) -> None:
    _write(modules, "lz_set", "NAME = 'from the module'\nOTHER = 1\n")
    defer(("lz_set",))
    import lz_set

    lz_set.NAME = "set before"  # a setattr does not load it
    assert still_deferred(("lz_set",)) == ["lz_set"]
    assert (lz_set.NAME, lz_set.OTHER) == ("set before", 1)


def test_only_python_modules_not_yet_imported_are_deferred(modules: Path) -> None:
    import json

    defer(("json", "sys", "_socket", "lz_no_such_module", "lz_no_such_package.sub"))
    assert sys.modules["json"] is json and type(json) is not DeferredModule
    assert still_deferred(("json", "sys", "_socket", "lz_no_such_module")) == []
    assert "lz_no_such_module" not in sys.modules
