"""qcli.config.paths computes platformdirs' user folders itself on Linux in the usual cases
(no platformdirs import in a command's start); it must give platformdirs' own answers."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from qcli.config import paths

CASES = [  # (XDG_..._HOME, HOME): None leaves the variable unset
    (None, "/home/ann"), ("", "/home/ann"), ("/srv/xdg", "/home/ann"), ("/srv/xdg/", "/"),
    (None, "/home/ann/"), (None, "/"), ("relative/xdg", "/home/ann"), ("  ", "/home/ann"),
    ("/srv/xdg", None), (None, ""), (None, "relative-home"),
]


@pytest.mark.skipif(sys.platform != "linux", reason="the folders are computed here on Linux only")
@pytest.mark.parametrize(("xdg", "home"), CASES)
@pytest.mark.parametrize(("variable", "ours", "theirs"), [
    ("XDG_CONFIG_HOME", lambda: paths.config_dir({}), platformdirs.user_config_dir),
    ("XDG_STATE_HOME", paths.state_dir, platformdirs.user_state_dir),
    ("XDG_CACHE_HOME", lambda: Path(paths.cache_folder()), platformdirs.user_cache_dir),
])
def test_the_user_folders_are_platformdirs_own(monkeypatch: pytest.MonkeyPatch, xdg: str | None,
                                               home: str | None, variable: str, ours,
                                               theirs) -> None:
    for name, value in ((variable, xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    try:
        expected: Path | type[Exception] = Path(theirs("qcli"))
    except RuntimeError:  # no home folder to be found: platformdirs' error, from either
        expected = RuntimeError
    if expected is RuntimeError:
        with pytest.raises(RuntimeError):
            ours()
    else:
        assert ours() == expected


def test_a_command_with_the_default_config_folder_does_not_import_platformdirs(
        tmp_path: Path) -> None:
    import subprocess

    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin", "QCLI_SERVER": "http://127.0.0.1:9",
           "QCLI_API_KEY": "k" * 20, "QCLI_PRECONNECT": "0", "QCLI_TIMEOUT": "1"}
    code = ("import sys, runpy; sys.argv = ['qcli', 'context', 'ls'];"
            "\ntry:\n    runpy.run_module('qcli', run_name='__main__')\nexcept SystemExit:\n    pass"
            "\nprint('platformdirs' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr
