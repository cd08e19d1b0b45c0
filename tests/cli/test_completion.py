"""Shell completion through the installed scripts, in real shells, driven non-interactively:
bash (COMP_WORDS + the completion function), zsh (the autoloaded site-functions/_qcli with
_arguments captured) and fish (complete -C)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import API_KEY, Emulator, Qcli, make_extension_dir

ROOT = Path(__file__).parents[2]
SCRIPTS = ROOT / "completions"


def _env(qcli: Qcli, server: str) -> dict[str, str]:
    env = dict(qcli.env, QCLI_SERVER=server, QCLI_API_KEY=API_KEY)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def bash(words: list[str], env: dict[str, str]) -> list[str]:
    array = " ".join(f"'{w}'" for w in words)
    script = (f"source {SCRIPTS / 'qcli.bash'}; COMP_WORDS=({array}); "
              f"COMP_CWORD={len(words) - 1}; _qcli_completion qcli; "
              'printf "%s\\n" "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "--norc", "-c", script], env=env, capture_output=True,
                         text=True, timeout=20)
    assert out.stderr == ""
    return [line for line in out.stdout.splitlines() if line]


def zsh(line: str, env: dict[str, str], tmp_path: Path) -> list[str]:
    """What zsh's own completion system (compinit, in an interactive zsh on a pty) offers for
    `line`, with _qcli autoloaded from a site-functions folder."""
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed (make test installs it from the OS packages as root)")
    site = tmp_path / "site-functions"
    site.mkdir(exist_ok=True)
    shutil.copy(SCRIPTS / "_qcli", site / "_qcli")
    out = subprocess.run(["zsh", "-f", str(Path(__file__).parent / "zsh_complete.zsh"), str(site),
                          line], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def fish(line: str, env: dict[str, str]) -> list[str]:
    if shutil.which("fish") is None:
        pytest.skip("fish is not installed (make test installs it from the OS packages as root)")
    out = subprocess.run(["fish", "--no-config", "-c",
                          f"source {SCRIPTS / 'qcli.fish'}; complete -C '{line}'"], env=env,
                         capture_output=True, text=True, timeout=20)
    assert out.stderr == ""
    return [row.split("\t")[0] for row in out.stdout.splitlines() if row]


@pytest.fixture
def extension(qcli: Qcli, emu: Emulator, tmp_path: Path) -> dict:
    made = qcli("extension", "create", str(make_extension_dir(tmp_path, "tab-chart")), "--json",
                env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY})
    assert made.code == 0, made.err
    yield made.json()
    qcli("extension", "rm", made.json()["id"], "--yes",
         env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY})


def test_bash(qcli: Qcli, emu: Emulator, extension: dict) -> None:
    env = _env(qcli, emu.url)
    assert bash(["qcli", "ext"], env) == ["extension"]
    assert {"ls", "get", "create", "rm", "download", "file"} <= set(
        bash(["qcli", "extension", ""], env))
    assert bash(["qcli", "-o", ""], env) == ["json", "yaml", "table", "csv"]
    qcli.login(emu, "prod-eu")
    qcli.login(emu, "prod-us")
    assert bash(["qcli", "--context", "prod-"], env) == ["prod-eu", "prod-us"]
    assert bash(["qcli", "context", "use", "prod-u"], env) == ["prod-us"]
    ids = bash(["qcli", "extension", "get", ""], env)
    assert extension["id"] in ids and "tab-chart" in ids
    assert bash(["qcli", "extension", "rm", "tab-"], env) == ["tab-chart"]


def test_zsh_from_site_functions(qcli: Qcli, emu: Emulator, extension: dict,
                                 tmp_path: Path) -> None:
    env = _env(qcli, emu.url)
    assert zsh("qcli ext", env, tmp_path) == ["extension"]
    assert {"ls", "get", "create", "rm", "download", "file"} <= set(
        zsh("qcli extension ", env, tmp_path))
    qcli.login(emu, "zed")
    assert zsh("qcli --context z", env, tmp_path) == ["zed"]
    assert extension["id"] in zsh("qcli extension get ", env, tmp_path)


def test_fish(qcli: Qcli, emu: Emulator, extension: dict) -> None:
    env = _env(qcli, emu.url)
    assert fish("qcli ext", env) == ["extension"]
    assert "download" in fish("qcli extension ", env)
    qcli.login(emu, "fishy")
    assert fish("qcli --context fi", env) == ["fishy"]
    assert extension["id"] in fish("qcli extension get ", env)


def test_values_are_cached_for_a_minute(qcli: Qcli, emu: Emulator, extension: dict) -> None:
    env = _env(qcli, emu.url)
    assert extension["id"] in bash(["qcli", "extension", "get", ""], env)
    assert extension["id"] in bash(["qcli", "extension", "get", ""], env)
    lists = [r for r in emu.requests() if r["path"] == "/api/v1/extensions"
             and r["method"] == "GET"]
    assert len(lists) == 1
    cache = list((qcli.home / "cache" / "qcli" / "completion").glob("extensions-*.txt"))
    assert len(cache) == 1


def test_a_server_that_does_not_answer_completes_nothing_within_2_s(qcli: Qcli) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections, never answers
    try:
        env = _env(qcli, f"http://127.0.0.1:{silent.getsockname()[1]}")
        started = time.monotonic()
        assert bash(["qcli", "extension", "get", ""], env) == []
        assert time.monotonic() - started < 2.0
        started = time.monotonic()
        assert bash(["qcli", "data-file", "get", ""], dict(env, QCLI_SERVER="http://127.0.0.1:9")) == []
        assert time.monotonic() - started < 2.0
    finally:
        silent.close()


def test_a_server_that_drips_its_answer_is_cut_off_at_1_s(qcli: Qcli) -> None:
    """httpx's timeout is per read: a byte every 0.5 s would never trip it. The completer has
    one deadline for the whole fetch."""
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    done = threading.Event()

    def drip() -> None:
        while not done.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 100000\r\n\r\n")
                try:
                    while not done.wait(0.3):
                        conn.sendall(b" ")
                except OSError:
                    pass

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    try:
        env = _env(qcli, f"http://127.0.0.1:{server.getsockname()[1]}")
        started = time.monotonic()
        assert bash(["qcli", "extension", "get", ""], env) == []
        assert time.monotonic() - started < 2.5
    finally:
        done.set()
        server.close()


def test_recent_temp_contents_complete(qcli: Qcli, emu: Emulator, tmp_path: Path) -> None:
    src = tmp_path / "t.bin"
    src.write_bytes(b"x" * 100)
    made = qcli("temp-content", "create", str(src), "-q",
                env={"QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY})
    assert made.code == 0
    assert bash(["qcli", "temp-content", "download", ""], _env(qcli, emu.url)) == [
        made.out.strip()]


def test_sort_values_are_the_specs(qcli: Qcli) -> None:
    """#11 item 4: `--sort` offers exactly the values the spec allows (connections: spaceId with
    or without +/-; files: name, size, modifiedDate, folder, baseName, each with +/-)."""
    env = _env(qcli, "http://127.0.0.1:9")  # nothing to fetch: the values are static
    assert bash(["qcli", "data-file", "connection", "ls", "--sort", ""], env) == [
        "spaceId", "+spaceId", "-spaceId"]
    assert bash(["qcli", "data-file", "ls", "--sort", "+"], env) == [
        "+name", "+size", "+modifiedDate", "+folder", "+baseName"]
    assert bash(["qcli", "data-file", "ls", "--sort", "b"], env) == ["baseName"]
