"""qcli context ...: files, modes, keyring and its fallback, OAuth."""

from __future__ import annotations

import json
import stat

import yaml
from conftest import API_KEY, OAUTH_ID, OAUTH_SECRET, Emulator, Qcli


def test_create_stores_key_in_keyring_and_file_is_0600(qcli: Qcli, emu: Emulator) -> None:
    result = qcli.login(emu, "dev")
    assert "made it the current context" in result.err
    path = qcli.home / "config" / "contexts.yml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    doc = yaml.safe_load(path.read_text())
    assert doc["current"] == "dev"
    assert doc["contexts"]["dev"]["server"] == emu.url
    assert API_KEY not in path.read_text()
    keyring = json.loads((qcli.home / "keyring.json").read_text())
    assert keyring == {"qcli/dev:api-key": API_KEY}
    assert not (qcli.home / "config" / "credentials.yml").exists()


def test_no_keyring_falls_back_to_private_file_with_one_warning(qcli: Qcli, emu: Emulator) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = qcli("context", "create", "ci", "--server", emu.url, "--api-key-stdin",
                  input=API_KEY, env=env)
    assert result.code == 0, result.err
    assert result.err.count("warning:") == 1
    assert "no OS keyring is available" in result.err
    creds = qcli.home / "config" / "credentials.yml"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert stat.S_IMODE(creds.parent.stat().st_mode) == 0o700
    listed = qcli("extension", "ls", "--json", env=env)
    assert listed.code == 0, listed.err


def test_ls_get_mask_the_key(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "dev")
    for args in (["context", "ls", "-o", "yaml"], ["context", "get", "dev", "--json"],
                 ["context", "ls", "-o", "table"]):
        result = qcli(*args)
        assert result.code == 0
        assert API_KEY not in result.out + result.err
    view = qcli("context", "get", "--json").json()
    assert view["apiKey"] == "********"
    assert view["current"] is True


def test_use_rename_rm_clear(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "one")
    qcli.login(emu, "two")
    assert qcli("context", "get", "--json").json()["name"] == "one"
    assert qcli("context", "use", "two").code == 0
    assert qcli("context", "get", "--json").json()["name"] == "two"
    assert qcli("context", "rename", "two", "deux").code == 0
    names = [c["name"] for c in qcli("context", "ls", "--json").json()]
    assert names == ["deux", "one"]
    assert qcli("extension", "ls", "--json").code == 0  # the key moved with the context
    assert qcli("context", "clear").code == 0
    assert qcli("context", "get").code == 2
    assert qcli("context", "rm", "deux", "--yes").code == 0
    assert "qcli/deux:api-key" not in json.loads((qcli.home / "keyring.json").read_text())
    missing = qcli("context", "rm", "nope")
    assert missing.code == 2
    assert "no context named 'nope'" in missing.err


def test_create_refuses_duplicates_and_bad_input(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "dev")
    dup = qcli("context", "create", "dev", "--server", emu.url, "--api-key-stdin", input="k")
    assert dup.code == 2
    assert "already exists" in dup.err
    no_key = qcli("context", "create", "x", "--server", emu.url)
    assert no_key.code == 2
    assert "no API key given" in no_key.err
    bad_name = qcli("context", "create", "bad name", "--server", emu.url, "--api-key-stdin",
                    input="k")
    assert bad_name.code == 2
    bad_url = qcli("context", "create", "y", "--server", "ftp://x", "--api-key-stdin", input="k")
    assert bad_url.code == 2
    assert "invalid server URL" in bad_url.err
    assert [c["name"] for c in qcli("context", "ls", "--json").json()] == ["dev"]


def test_corrupt_contexts_file_names_file_and_line(qcli: Qcli) -> None:
    path = qcli.home / "config" / "contexts.yml"
    path.parent.mkdir(parents=True)
    path.write_text("current: dev\ncontexts:\n  dev: [unclosed\n")
    result = qcli("context", "ls")
    assert result.code == 2
    assert result.err.startswith(f"error: {path} line ")
    assert "Traceback" not in result.err


def test_context_test_calls_users_me(qcli: Qcli, emu: Emulator) -> None:
    qcli.login(emu, "dev")
    result = qcli("context", "test", "dev", "--json")
    assert result.code == 0, result.err
    assert result.json()["id"] == "emulator-user"
    assert [r["path"] for r in emu.requests()] == ["/api/v1/users/me"]


def test_wrong_key_exits_3(qcli: Qcli, emu: Emulator) -> None:
    result = qcli("context", "create", "bad", "--server", emu.url, "--api-key-stdin",
                  input="wrong-key")
    assert result.code == 0
    test = qcli("context", "test")
    assert test.code == 3
    assert test.err.startswith("error: 401 Unauthorized: invalid API key or token")
    assert len(test.err.strip().splitlines()) == 1


def test_oauth_context_fetches_caches_and_refreshes_token(qcli: Qcli, emu: Emulator) -> None:
    result = qcli("context", "create", "svc", "--server", emu.url, "--oauth-client-id", OAUTH_ID,
                  "--oauth-client-secret-stdin", input=OAUTH_SECRET)
    assert result.code == 0, result.err
    assert qcli("extension", "ls", "--json").code == 0
    assert qcli("extension", "ls", "--json").code == 0
    tokens = [r for r in emu.requests() if r["path"] == "/oauth/token"]
    assert len(tokens) == 1  # the second run used the cached token
    emu._call("DELETE", "/__emulator/tokens")  # the server forgets every token
    again = qcli("extension", "ls", "--json", "-v")
    assert again.code == 0, again.err
    assert "< 401" in again.err
    assert len([r for r in emu.requests() if r["path"] == "/oauth/token"]) == 2
    keyring = (qcli.home / "keyring.json").read_text()
    assert OAUTH_SECRET in keyring  # stored in the keyring, nowhere else
    assert OAUTH_SECRET not in (qcli.home / "config" / "contexts.yml").read_text()
    assert OAUTH_SECRET not in again.err
    token = json.loads(json.loads(keyring)["qcli/svc:oauth-token"])["access_token"]
    for args in (["extension", "ls", "-v"], ["context", "get", "svc", "-v", "--json"],
                 ["raw", "get", "v1/users/me", "-v"], ["extension", "get", "nope", "-v"]):
        result = qcli(*args)
        for secret in (token, OAUTH_SECRET):
            assert secret not in result.out + result.err, args


def test_wrong_oauth_secret_exits_3(qcli: Qcli, emu: Emulator) -> None:
    qcli("context", "create", "svc", "--server", emu.url, "--oauth-client-id", OAUTH_ID,
         "--oauth-client-secret-stdin", input="wrong")
    result = qcli("extension", "ls")
    assert result.code == 3
    assert "OAuth token request failed: 401" in result.err


def test_a_finished_write_leaves_no_temp_file(qcli: Qcli, emu: Emulator) -> None:
    # (atomicity under kills: tests/config/test_config_safety.py)
    qcli.login(emu, "dev")
    assert qcli("context", "update", "dev", "--comment", "x").code == 0
    leftovers = [p.name for p in (qcli.home / "config").iterdir()
                 if p.name.endswith(".tmp")]
    assert leftovers == []
    assert "comment: x" in (qcli.home / "config" / "contexts.yml").read_text()
