"""qcli context import: qlik-cli's contexts file into qcli contexts, keys into the credential
store, never printed; --remove-keys, --overwrite, malformed files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
import yaml
from conftest import API_KEY, OAUTH_ID, OAUTH_SECRET, Emulator, Qcli, Result
from test_rm_rules import _on_terminal

from qcli.config import qlikcli
from qcli.errors import QcliError

CLASH_KEY = "clash-key-5c1d9e2a77"
WINDOWS_KEY = "windows-key-0b3f6a4d21"


def sample(emu: Emulator, *, extra: str = "") -> str:
    """A qlik-cli contexts file as qlik-cli writes it: three contexts, one whose name qcli
    already has ('dev'), one for Qlik Sense on Windows; plus a comment and a field qcli ignores."""
    return f"""# written by qlik-cli
current-context: emu
contexts:
  emu:
    comment: the emulator
    headers:
      Authorization: Bearer {API_KEY}
      X-Team: data
    server: {emu.url}
    server-type: cloud
    certificates: ""
  dev:
    headers:
      Authorization: Bearer {CLASH_KEY}
    server: https://other.eu.qlikcloud.com
    server-type: cloud
  onprem:
    headers:
      Authorization: Bearer {WINDOWS_KEY}
    server: https://qseow.example.com/jwt
    server-type: Windows
{extra}"""


def write_sample(qcli: Qcli, text: str, mode: int = 0o600) -> Path:
    folder = qcli.home / ".qlik"
    folder.mkdir(exist_ok=True)
    path = folder / "contexts.yml"
    path.write_text(text)
    os.chmod(path, mode)
    return path


def keyring(qcli: Qcli) -> dict[str, str]:
    path = qcli.home / "keyring.json"
    return json.loads(path.read_text()) if path.exists() else {}


def assert_no_secret(*results: Result) -> None:
    for r in results:
        for secret in (API_KEY, CLASH_KEY, WINDOWS_KEY, OAUTH_SECRET):
            assert secret not in r.out + r.err


def test_import_moves_keys_to_the_store_never_prints_them(qcli: Qcli, emu: Emulator) -> None:
    created = qcli("context", "create", "dev", "--server", "https://dev.eu.qlikcloud.com",
                   "--api-key-stdin", input="dev-key-1234")
    assert created.code == 0, created.err
    path = write_sample(qcli, sample(emu))
    result = qcli("context", "import", "-o", "json")  # the default place: ~/.qlik/contexts.yml
    assert result.code == 0, result.err
    rows = {r["name"]: r for r in result.json()}
    assert rows["emu"] == {"name": "emu", "server": emu.url, "action": "created",
                           "reason": "ignored: certificates"}
    assert rows["dev"]["action"] == "skipped"
    assert "exists" in rows["dev"]["reason"] and "--overwrite" in rows["dev"]["reason"]
    assert rows["onprem"]["action"] == "skipped"
    assert "'Windows' is not supported" in rows["onprem"]["reason"]
    assert "still holds the keys of 'emu' in plain text" in result.err

    store = keyring(qcli)
    assert store["qcli/emu:api-key"] == API_KEY
    assert store["qcli/dev:api-key"] == "dev-key-1234"  # the clash left qcli's own alone
    assert CLASH_KEY not in store.values() and WINDOWS_KEY not in store.values()
    config = qcli.home / "config" / "contexts.yml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    saved = yaml.safe_load(config.read_text())
    assert saved["current"] == "dev"  # qcli had a current context: it stays
    assert saved["contexts"]["emu"]["headers"] == {"X-Team": "data"}  # not Authorization
    assert saved["contexts"]["emu"]["comment"] == "the emulator"
    assert API_KEY not in config.read_text()
    assert path.read_text() == sample(emu)  # without --remove-keys the file is untouched

    listed = qcli("--context", "emu", "extension", "ls", "--json")
    assert listed.code == 0, listed.err
    again = [qcli("context", "import", "--from", str(path), "-o", fmt, "--verbose")
             for fmt in ("yaml", "table", "csv")]
    assert [r.code for r in again] == [0, 0, 0]
    assert "exists with this server and key" in again[0].out
    assert_no_secret(created, result, listed, *again, qcli("context", "ls", "-o", "yaml"))


def test_without_a_keyring_keys_go_to_the_0600_file(qcli: Qcli, emu: Emulator) -> None:
    env = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    path = write_sample(qcli, sample(emu))
    result = qcli("context", "import", "--from", str(path), "--json", env=env)
    assert result.code == 0, result.err
    assert result.err.count("warning:") == 1
    creds = qcli.home / "config" / "credentials.yml"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600
    assert stat.S_IMODE(creds.parent.stat().st_mode) == 0o700
    assert yaml.safe_load(creds.read_text().split("\n", 1)[1]) == {"emu": {"api-key": API_KEY},
                                                                    "dev": {"api-key": CLASH_KEY}}
    saved = yaml.safe_load((qcli.home / "config" / "contexts.yml").read_text())
    assert saved["current"] == "emu"  # qcli had none: qlik-cli's current one
    assert saved["contexts"]["emu"]["credential-store"] == "file"
    listed = qcli("extension", "ls", "--json", env=env)
    assert listed.code == 0, listed.err
    assert_no_secret(result, listed)


def test_remove_keys_needs_yes_off_a_terminal_and_keeps_the_rest(qcli: Qcli,
                                                                 emu: Emulator) -> None:
    qcli("context", "create", "dev", "--server", "https://dev.eu.qlikcloud.com",
         "--api-key-stdin", input="dev-key-1234")
    text = sample(emu, extra="  svc:\n    server: https://acme.eu.qlikcloud.com  # m2m\n"
                  f"    oauth-client-id: {OAUTH_ID}\n    oauth-client-secret: {OAUTH_SECRET}\n")
    path = write_sample(qcli, text, mode=0o640)
    refused = qcli("context", "import", "--remove-keys")
    assert refused.code == 2
    assert "pass --yes" in refused.err
    assert refused.out == ""
    assert path.read_text() == text
    assert "qcli/emu:api-key" not in keyring(qcli)  # refused before anything was done

    done = qcli("context", "import", "--remove-keys", "--yes", "--json")
    assert done.code == 0, done.err
    assert {r["name"]: r["action"] for r in done.json()} == {
        "emu": "created", "dev": "skipped", "onprem": "skipped", "svc": "created"}
    assert "Removed the keys of 'emu', 'svc'" in done.err
    after = path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert API_KEY not in after and OAUTH_SECRET not in after
    assert CLASH_KEY in after and WINDOWS_KEY in after  # not imported: left where they were
    doc = yaml.safe_load(after)  # still valid YAML, everything else kept
    assert doc["current-context"] == "emu"
    assert doc["contexts"]["emu"] == {"comment": "the emulator", "headers": {"X-Team": "data"},
                                      "server": emu.url, "server-type": "cloud",
                                      "certificates": ""}
    assert doc["contexts"]["svc"] == {"server": "https://acme.eu.qlikcloud.com",
                                      "oauth-client-id": OAUTH_ID}
    assert after.startswith("# written by qlik-cli\n") and "  # m2m\n" in after  # comments stay
    assert after == text.replace(f"      Authorization: Bearer {API_KEY}\n", "").replace(
        f"    oauth-client-secret: {OAUTH_SECRET}\n", "")
    assert not list(path.parent.glob(".contexts.yml.*"))  # no temp file left behind
    store = keyring(qcli)
    assert store["qcli/emu:api-key"] == API_KEY and store["qcli/svc:oauth-client-secret"] == \
        OAUTH_SECRET
    listed = qcli("--context", "emu", "extension", "ls", "--json")
    assert listed.code == 0, listed.err
    assert_no_secret(refused, done, listed)


def test_remove_keys_asks_on_a_terminal(qcli: Qcli, emu: Emulator) -> None:
    path = write_sample(qcli, sample(emu))
    code, out, screen = _on_terminal(qcli, ["context", "import", "--remove-keys", "--json"], "n")
    assert code == 0, screen
    assert "Remove the plain-text keys of 'emu', 'dev' from" in screen and "Kept the keys" in screen
    assert path.read_text() == sample(emu)
    assert keyring(qcli)["qcli/emu:api-key"] == API_KEY  # imported all the same
    code, out, screen = _on_terminal(qcli, ["context", "import", "--remove-keys", "--json"], "y")
    assert code == 0, screen
    assert API_KEY not in path.read_text() and CLASH_KEY not in path.read_text()
    for secret in (API_KEY, CLASH_KEY, WINDOWS_KEY):
        assert secret not in out + screen


def test_remove_keys_on_a_later_run_removes_keys_already_imported(qcli: Qcli,
                                                                  emu: Emulator) -> None:
    path = write_sample(qcli, sample(emu))
    assert qcli("context", "import").code == 0
    later = qcli("context", "import", "--remove-keys", "--yes", "--json")
    assert later.code == 0, later.err
    assert all(r["action"] == "skipped" for r in later.json())
    assert "Removed the keys of 'emu', 'dev'" in later.err  # qcli holds the same keys
    text = path.read_text()
    assert API_KEY not in text and CLASH_KEY not in text and WINDOWS_KEY in text
    assert yaml.safe_load(text)["contexts"]["emu"]["headers"] == {"X-Team": "data"}
    assert_no_secret(later)


def test_overwrite_replaces_a_context_of_the_same_name(qcli: Qcli, emu: Emulator) -> None:
    qcli("context", "create", "dev", "--server", "https://dev.eu.qlikcloud.com",
         "--oauth-client-id", "old-client", "--oauth-client-secret-stdin", input="old-secret")
    write_sample(qcli, sample(emu))
    result = qcli("context", "import", "--overwrite", "--json")
    assert result.code == 0, result.err
    rows = {r["name"]: r for r in result.json()}
    assert rows["dev"]["action"] == "overwritten"
    assert rows["dev"]["server"] == "https://other.eu.qlikcloud.com"
    saved = yaml.safe_load((qcli.home / "config" / "contexts.yml").read_text())
    assert saved["contexts"]["dev"] == {"server": "https://other.eu.qlikcloud.com",
                                        "auth": "api-key", "credential-store": "keyring"}
    store = keyring(qcli)
    assert store["qcli/dev:api-key"] == CLASH_KEY
    assert "qcli/dev:oauth-client-secret" not in store  # the old auth's secret went with it
    assert_no_secret(result)


def test_failures_exit_1_the_rest_imported(qcli: Qcli, emu: Emulator) -> None:
    extra = (f"  me@cloud:\n    server: {emu.url}\n    api-key: {API_KEY}\n"
             f"  sneaky:\n    server: https://u:{API_KEY}@acme.eu.qlikcloud.com\n"
             f"    api-key: {API_KEY}\n"
             f"  pathy:\n    server: https://acme.eu.qlikcloud.com/x?key={API_KEY}\n"
             f"    api-key: {API_KEY}\n"
             "  nokey:\n    server: https://acme.eu.qlikcloud.com\n"
             "  spaced:\n    server: https://acme.eu.qlikcloud.com\n"
             "    headers:\n      Authorization: Bearer two words\n"
             "  basic:\n    server: https://acme.eu.qlikcloud.com\n"
             f"    headers:\n      Authorization: Basic {API_KEY}\n")
    moved = qcli.home / "old contexts.yml"
    write_sample(qcli, sample(emu, extra=extra)).rename(moved)
    result = qcli("context", "import", "--from", str(moved), "--json", "--verbose")
    assert result.code == 1
    assert f"'qcli context import --from '{moved}' --remove-keys' removes them" in result.err
    assert "error: 5 of 9 contexts could not be imported" in result.err
    rows = {r["name"]: r for r in result.json()}
    assert rows["me-cloud"]["action"] == "created"
    assert rows["me-cloud"]["reason"] == "renamed from 'me@cloud'"
    assert rows["emu"]["action"] == "created"
    for name in ("sneaky", "pathy", "nokey", "spaced", "basic"):
        assert rows[name]["action"] == "failed", name
    assert "user name or password" in rows["sneaky"]["reason"]
    assert "it has a path" in rows["pathy"]["reason"]
    assert "no API key" in rows["nokey"]["reason"]
    assert "contains a space" in rows["spaced"]["reason"]
    assert "not 'Bearer <API key>'" in rows["basic"]["reason"]
    listed = qcli("--context", "me-cloud", "extension", "ls", "--json")
    assert listed.code == 0, listed.err
    assert_no_secret(result)


@pytest.mark.parametrize("text, message", [
    (f"contexts:\n  a:\n    api-key: \"{API_KEY}\n  b: [\n", "line 5"),
    (f"- {API_KEY}\n", "expected a mapping"),
    (f"contexts:\n  - {API_KEY}\n", "'contexts' must be a mapping"),
    (f"apiVersion: v1\nusers: [{{token: {API_KEY}}}]\n", "no 'contexts'"),
    (b"\xff\xfe" + API_KEY.encode(), "not UTF-8"),
])
def test_malformed_file_exits_2_in_one_line(qcli: Qcli, text: str | bytes, message: str) -> None:
    path = qcli.home / "broken.yml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    for args in ([], ["--verbose"], ["--remove-keys", "--yes"]):
        result = qcli("context", "import", "--from", str(path), *args)
        assert result.code == 2
        assert result.out == ""
        assert result.err.count("\n") == 1 and message in result.err
        assert API_KEY not in result.err
    assert not (qcli.home / "config" / "contexts.yml").exists()


def test_missing_or_unreadable_file_exits_2(qcli: Qcli) -> None:
    missing = qcli("context", "import")
    assert missing.code == 2
    assert "no qlik-cli contexts file at" in missing.err and ".qlik/contexts.yml" in missing.err
    folder = qcli("context", "import", "--from", str(qcli.home))
    assert folder.code == 2 and "is a folder" in folder.err
    empty = qcli.home / "empty.yml"
    empty.write_text("")
    nothing = qcli("context", "import", "--from", str(empty), "--json")
    assert nothing.code == 0 and nothing.json() == []
    assert "no contexts found" in nothing.err


# -- the file rewrite, without a subprocess --------------------------------------------------------
def _load(tmp_path: Path, text: str) -> qlikcli.QlikCliFile:
    path = tmp_path / "contexts.yml"
    path.write_text(text)
    return qlikcli.read(path)


def test_key_removal_cuts_lines_and_falls_back_to_a_rewrite_for_flow_style(
        tmp_path: Path) -> None:
    block = ("current-context: a  # chosen\ncontexts:\n  a:\n    headers:\n"
             "      Authorization: 'Bearer k-1234567'\n      X-A: b\n    server: s\n"
             "  b:\n    headers:\n      Authorization: Bearer k-7654321  # key\n"
             "    api-key: k-7654321\n    server: t\n")
    data = _load(tmp_path, block)
    removals = {"a": [("headers", "Authorization")],
                "b": [("api-key",), ("headers", "Authorization")]}
    cut = qlikcli.without_keys(data, removals)
    assert cut == ("current-context: a  # chosen\ncontexts:\n  a:\n    headers:\n"
                   "      X-A: b\n    server: s\n  b:\n    server: t\n")
    flow = _load(tmp_path, "contexts: {a: {server: s, headers: {Authorization: Bearer k-1234567}}}\n")
    rewritten = qlikcli.without_keys(flow, {"a": [("headers", "Authorization")]})
    assert yaml.safe_load(rewritten) == {"contexts": {"a": {"server": "s"}}}


def test_candidate_reads_each_auth_form() -> None:
    oauth = qlikcli.candidate("svc", {"server": "acme.eu.qlikcloud.com", "oauth-client-id": "c",
                                      "oauth-client-secret": "s3cr3t-xyz"})
    assert (oauth.kind, oauth.secret, oauth.problem) == ("oauth-client-secret", "s3cr3t-xyz", None)
    assert oauth.context is not None and oauth.context.auth == "oauth"
    assert oauth.server == "https://acme.eu.qlikcloud.com"
    differ = qlikcli.candidate("x", {"server": "a.b", "api-key": "k-1",
                                     "headers": {"authorization": "Bearer k-2"}})
    assert differ.problem is not None and "different keys" in differ.problem
    assert qlikcli.qcli_name("me@cloud") == "me-cloud"
    assert qlikcli.qcli_name("@@@") is None
    engine = qlikcli.candidate("e", {"server": "localhost:9076", "server-type": "engine"})
    assert engine.unsupported is not None and engine.problem is None


def test_write_back_keeps_a_symlink_and_refuses_a_file_changed_meanwhile(tmp_path: Path) -> None:
    real = tmp_path / "real.yml"
    real.write_text("contexts:\n  a:\n    server: s\n    api-key: k-1234567\n")
    os.chmod(real, 0o644)
    link = tmp_path / "contexts.yml"
    link.symlink_to(real)
    data = qlikcli.read(link)
    qlikcli.write_back(data, qlikcli.without_keys(data, {"a": [("api-key",)]}))
    assert link.is_symlink() and real.read_text() == "contexts:\n  a:\n    server: s\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o644
    data = qlikcli.read(link)
    real.write_text(real.read_text() + "  b:\n    server: t\n")  # qlik-cli wrote it meanwhile
    with pytest.raises(QcliError, match="changed while qcli read it"):
        qlikcli.write_back(data, "contexts: {}\n")
    assert "  b:\n" in real.read_text()


def test_a_non_cloud_context_is_skipped_whatever_its_name() -> None:
    odd = qlikcli.candidate("@@@", {"server": "https://q.example.com/jwt", "server-type": "windows"})
    assert odd.problem is None and odd.unsupported is not None
    assert odd.server == "https://q.example.com/jwt"


def test_a_key_also_held_elsewhere_in_the_file_is_warned_of(qcli: Qcli, emu: Emulator) -> None:
    text = sample(emu).replace("    certificates: \"\"\n", f"    key-backup: {API_KEY}\n")
    path = write_sample(qcli, text)
    result = qcli("context", "import", "--remove-keys", "--yes", "--json", "--verbose")
    assert result.code == 0, result.err
    assert "still holds the key of 'emu' elsewhere" in result.err
    assert f"key-backup: {API_KEY}" in path.read_text()  # a field qcli does not know: kept
    assert "ignored: key-backup" in result.out
    assert_no_secret(result)
