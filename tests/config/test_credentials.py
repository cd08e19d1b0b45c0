"""The keyring backend qcli remembers (qcli/config/keyring_choice.py, used by credentials.py),
with keyring's own detection.

These tests leave PYTHON_KEYRING_BACKEND unset, so keyring detects its backend as on a user's
machine: it reads the `keyring.backends` entry points of every installed package and takes the
viable backend of highest priority. A package of the tests' own (a dist-info folder in a folder
named site-packages on PYTHONPATH, made in a temp folder) registers `Detected` (priority 20)
there, and a second entry
point, a module that only detection imports (it loads every entry point of the group): it adds a
line to the file QCLI_TEST_DETECTIONS names, so a test counts the detections a process made.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TESTS, Emulator, base_env

from qcli.config.keyring_choice import FORM

SENTINEL = "import os\nwith open(os.environ['QCLI_TEST_DETECTIONS'], 'a') as fh:\n    fh.write('x\\n')\n"
PLUGIN = '''
import os

from keyring.backend import KeyringBackend
from keyring.compat import properties
from keyring.errors import KeyringLocked
from keyring_backend import FileKeyring


def _count(what):
    with open(os.environ["QCLI_TEST_CALLS"], "a") as fh:
        fh.write(what + "\\n")


class Detected(FileKeyring):  # what keyring's detection picks
    priority = 20

    def get_password(self, service, username):
        _count("Detected")
        if os.environ.get("QCLI_TEST_LOCKED"):  # a locked keyring whose prompt was dismissed
            raise KeyringLocked("dismissed")
        return super().get_password(service, username)


class Other(KeyringBackend):  # viable, holds another secret
    priority = 1

    def get_password(self, service, username):
        _count("Other")
        return "other-secret"

    def set_password(self, service, username, password):
        raise RuntimeError("read-only")

    def delete_password(self, service, username):
        raise RuntimeError("read-only")


class Empty(Other):  # viable, holds nothing
    def get_password(self, service, username):
        _count("Empty")
        return None


class Failing(Other):  # viable, fails
    def get_password(self, service, username):
        _count("Failing")
        raise KeyringLocked("locked")


class NotViable(Other):
    @properties.classproperty
    def priority(cls):  # as keyring's own backends say they are not viable
        raise RuntimeError("no service")


class Null(Other):  # keyring.backends.null's priority
    priority = -1
'''
PROBE = '''
import json, sys
from pathlib import Path
from qcli.lazyimport import defer, still_deferred
defer()  # as qcli.main does
import keyring
from qcli.config.credentials import CredentialStore
from qcli.iostreams import IOStreams

store = CredentialStore(Path(sys.argv[1]), IOStreams())
value = store.set("ctx", "api-key", "s3cret") if sys.argv[2] == "set" else store.get(
    "ctx", "api-key")
print(json.dumps({"value": value, "backend": type(keyring.get_keyring()).__name__,
                  "detected": "test_keyring_sentinel" in sys.modules}))
print(json.dumps(still_deferred(("importlib_metadata", "configparser", "more_itertools"))))
'''


@pytest.fixture
def home(tmp_path: Path) -> Path:
    plugin = tmp_path / "site-packages"
    (plugin / "qcli_test_keyring-1.0.dist-info").mkdir(parents=True)
    (plugin / "qcli_test_keyring-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: qcli-test-keyring\nVersion: 1.0\n")
    (plugin / "qcli_test_keyring-1.0.dist-info" / "entry_points.txt").write_text(
        "[keyring.backends]\nqcli-test = test_keyring_plugin\n"
        "qcli-test-sentinel = test_keyring_sentinel\n")
    (plugin / "test_keyring_plugin.py").write_text(PLUGIN)
    (plugin / "test_keyring_sentinel.py").write_text(SENTINEL)
    return tmp_path


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = base_env()  # without QCLI_* and PYTHON_KEYRING_BACKEND
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # a desktop's Secret Service is not viable here
    env.update({
        "PYTHONPATH": os.pathsep.join([str(home / "site-packages"), env["PYTHONPATH"]]),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "xdg-config"),  # keyring's keyringrc.cfg would be here
        "XDG_CACHE_HOME": str(home / "cache"),
        "QCLI_TEST_KEYRING_FILE": str(home / "keyring.json"),
        "QCLI_TEST_DETECTIONS": str(home / "detections"),
        "QCLI_TEST_CALLS": str(home / "calls"),
    })
    env.update(extra)
    return env


def _probe(home: Path, op: str = "get", **extra: str) -> dict[str, object]:
    return _probe_run(home, op, **extra)[0]


def _probe_run(home: Path, op: str = "get", **extra: str) -> tuple[dict[str, object], list[str]]:
    """What the store answered, and which of keyring's deferred modules stayed unloaded."""
    proc = subprocess.run([sys.executable, "-c", PROBE, str(home / "config"), op],
                          env=_env(home, **extra), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    answer, deferred = proc.stdout.splitlines()
    return json.loads(answer), json.loads(deferred)


def _detections(home: Path) -> int:
    path = home / "detections"
    return len(path.read_text().splitlines()) if path.exists() else 0


def _calls(home: Path) -> list[str]:
    path = home / "calls"
    calls = path.read_text().splitlines() if path.exists() else []
    path.unlink(missing_ok=True)
    return calls


def _memory(home: Path) -> Path:
    return home / "cache" / "qcli" / "keyring-backend.txt"


def _remember(home: Path, name: str) -> None:
    """A memory naming `name`, current (the state of the installed packages as qcli saw it)."""
    stamp = _memory(home).read_text().splitlines()[2]
    _memory(home).write_text(f"{FORM}\n{name}\n{stamp}\n")


def test_the_backend_detection_chose_is_remembered_and_asked_directly(home: Path) -> None:
    assert _probe(home, "set") == {"value": "keyring", "backend": "Detected", "detected": True}
    name, _stamp = _memory(home).read_text().splitlines()[1:]
    assert name == "test_keyring_plugin.Detected"
    assert oct(_memory(home).stat().st_mode & 0o777) == "0o600"
    # later runs: the same backend and secret, without detection
    for _ in range(2):
        assert _probe(home) == {"value": "s3cret", "backend": "Detected", "detected": False}
    # the modules keyring imports for detection only were never loaded (qcli.lazyimport): a
    # module keyring starts to use comes off that list
    assert _probe_run(home)[1] == ["importlib_metadata", "configparser", "more_itertools"]


@pytest.mark.parametrize("name", [
    "no_such_module.Keyring",  # uninstalled
    "test_keyring_plugin.Empty",  # holds no such secret
    "test_keyring_plugin.Failing",  # fails (a locked keyring)
    "test_keyring_plugin.NotViable",  # its priority raises, as keyring's backends do
    "test_keyring_plugin.Null",  # priority -1: detection would never choose it
    "keyring.backends.fail.Keyring",  # priority 0: no keyring
    "test_keyring_plugin", "os.path", "", "a..b", "\x00",  # not a backend class
])
def test_a_remembered_backend_of_no_use_sends_back_to_detection(home: Path, name: str) -> None:
    _probe(home, "set")
    _remember(home, name)
    _calls(home)
    assert _probe(home) == {"value": "s3cret", "backend": "Detected", "detected": True}
    asked = _calls(home)
    if name.endswith(("Empty", "Failing")):  # loaded and asked, then detection's backend
        assert asked == [name.rpartition(".")[2], "Detected"]
    else:  # never loaded as a backend
        assert asked == ["Detected"]
    assert _memory(home).read_text().splitlines()[1] == "test_keyring_plugin.Detected"
    assert _probe(home)["detected"] is False


def test_a_secret_stored_where_the_remembered_backend_fails_goes_where_detection_says(
        home: Path) -> None:
    _probe(home, "set")
    _remember(home, "test_keyring_plugin.Other")  # viable, refuses to store
    assert _probe(home, "set") == {"value": "keyring", "backend": "Detected", "detected": True}
    assert _memory(home).read_text().splitlines()[1] == "test_keyring_plugin.Detected"


def test_a_remembered_backend_that_fails_is_not_asked_twice(home: Path) -> None:
    """A locked keyring whose unlock prompt the user dismissed: detection finds the same
    backend, which is not asked again (a second prompt); the secret is not found."""
    _probe(home, "set")
    _calls(home)
    assert _probe(home, QCLI_TEST_LOCKED="1") == {
        "value": None, "backend": "Detected", "detected": True}
    assert _calls(home) == ["Detected"]


def test_a_memory_from_before_a_package_was_installed_is_not_used(home: Path) -> None:
    """Installing or removing a package (a new backend may come with it) changes its
    site-packages folder: the memory is then out of date, and keyring detects again."""
    _probe(home, "set")
    assert _probe(home)["detected"] is False
    (home / "site-packages" / "new_backend-1.0.dist-info").mkdir()
    assert _probe(home)["detected"] is True
    assert _probe(home)["detected"] is False  # remembered again, with the new state


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="file modes are POSIX")
def test_a_memory_others_could_write_is_not_used(home: Path) -> None:
    _probe(home, "set")
    _remember(home, "test_keyring_plugin.Other")
    _memory(home).chmod(0o666)
    assert _probe(home) == {"value": "s3cret", "backend": "Detected", "detected": True}


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="giving a file to another user needs root")
def test_a_memory_another_user_owns_is_not_used(home: Path) -> None:
    _probe(home, "set")
    _remember(home, "test_keyring_plugin.Other")
    os.chown(_memory(home), 1, 1)
    assert _probe(home) == {"value": "s3cret", "backend": "Detected", "detected": True}


def test_the_users_own_choice_is_left_to_keyring(home: Path) -> None:
    """PYTHON_KEYRING_BACKEND or keyringrc.cfg: keyring reads them before detecting; the memory
    (here a backend holding another secret) is neither read nor written."""
    _probe(home, "set")
    _remember(home, "test_keyring_plugin.Other")
    assert _probe(home)["value"] == "other-secret"  # the memory is taken when nothing says no
    chosen = _probe(home, PYTHON_KEYRING_BACKEND="keyring_backend.FileKeyring")
    assert chosen == {"value": "s3cret", "backend": "FileKeyring", "detected": False}
    config = home / "xdg-config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text("[backend]\ndefault-keyring=keyring_backend.FileKeyring\n")
    assert _probe(home) == {"value": "s3cret", "backend": "FileKeyring", "detected": False}
    assert _memory(home).read_text().splitlines()[1] == "test_keyring_plugin.Other"


@pytest.mark.skipif(sys.platform != "linux", reason="elsewhere the OS keyring is viable (and "
                    "this would write to it)")
def test_no_keyring_at_all_forgets_the_memory(home: Path) -> None:
    """Detection finds no viable backend (the plugin gone): the secret goes to the 0600 file,
    and a memory naming the gone backend is removed, not tried again at every run."""
    _probe(home, "set")
    env = {"PYTHONPATH": os.pathsep.join([str(TESTS), str(TESTS.parent)])}
    assert _probe(home, "set", **env)["value"] == "file"
    assert not _memory(home).exists()


def test_a_command_from_a_saved_context_skips_detection(home: Path, emu: Emulator) -> None:
    """The CLI end to end: `context create` stores the key through detection; `extension ls`
    then reads it from the remembered backend, and detects nothing."""
    env = _env(home, QCLI_CONFIG_DIR=str(home / "config"))
    create = subprocess.run(
        [sys.executable, "-m", "qcli", "context", "create", "t", "--server", emu.url,
         "--api-key-stdin"], input=emu.api_key, env=env, capture_output=True, text=True,
        timeout=60)
    assert create.returncode == 0, create.stderr
    assert json.loads((home / "keyring.json").read_text()) == {"qcli/t:api-key": emu.api_key}
    assert _detections(home) == 1
    for _ in range(2):
        ls = subprocess.run([sys.executable, "-m", "qcli", "extension", "ls", "-o", "json"],
                            env=env, capture_output=True, text=True, timeout=60)
        assert ls.returncode == 0, ls.stderr  # the emulator took the key
        assert isinstance(json.loads(ls.stdout), list)
    assert _detections(home) == 1


def test_a_credentials_file_of_another_shape_is_a_config_error(tmp_path: Path) -> None:
    from qcli.config.credentials import CredentialStore
    from qcli.errors import ConfigError
    from qcli.iostreams import IOStreams

    store = CredentialStore(tmp_path, IOStreams(env={"QCLI_CREDENTIAL_STORE": "file"}))
    store.path.write_text("ctx:\n  api-key: '0123'\n")
    assert store.get("ctx", "api-key") == "0123"
    store.path.write_text("ctx:\n  api-key: 0123\n")  # a hand edit: YAML reads 83 (octal)
    with pytest.raises(ConfigError, match="the api-key of context 'ctx' is not text"):
        store.get("ctx", "api-key")
    store.path.write_text("# a hand edit\nctx: abc\n")
    with pytest.raises(ConfigError, match="expected a mapping of context names to mappings"):
        store.get("ctx", "api-key")
