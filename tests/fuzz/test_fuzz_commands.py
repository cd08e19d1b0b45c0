"""Every leaf command (walked from the command tree, so new commands are covered) with generated
arguments and option values, in-process, against an emulator of its own.

Property: no Python traceback on stderr, an exit code from the documented set, and JSON output
that parses when JSON was asked for.
"""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout
from typing import Any

import pytest
from conftest import API_KEY, Emulator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qcli.app import Application
from qcli.cli.root import build, run
from qcli.iostreams import IOStreams

DOCUMENTED = {0, 1, 2, 3, 4, 5, 6, 130}
SKIP = {("emulator", "start")}  # runs a server in the foreground
BINARY_OUT = {"download", "get", "bash", "zsh", "fish", "powershell", "version"}
RUNS = {"count": 0}


def leaves() -> list[tuple[tuple[str, ...], Any]]:
    root = build()
    ctx = root.context_class(root, info_name="qcli")
    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if hasattr(cmd, "list_commands"):
            for name in cmd.list_commands(ctx):
                sub = cmd.get_command(ctx, name)
                if sub is not None and not sub.hidden:
                    walk(sub, (*path, name))
        elif path not in SKIP:
            found.append((path, cmd))

    walk(root, ())
    return found


LEAVES = leaves()
GLOBALS = {"--context", "--server", "-s", "--output", "-o", "--json", "--quiet", "-q", "--query",
           "--verbose", "-v", "--insecure", "--ca-cert", "--header", "-H", "--timeout",
           "--no-progress", "--no-color"}

odd = st.sampled_from(["", " ", "-", "--", "*", "0", "-5", "9" * 30, "1e308", "nan", "/nonexistent/x",
                       "/tmp", ".", "{not json", "[]", '"x"', '{"a": 1}', "a=b", "K: V", "ü∂€😀",
                       "\u0000", "../../etc/passwd", "x" * 300, "bytes=0-1", "a,b,*"])
values = st.one_of(odd, st.text(max_size=20), st.integers(-10**12, 10**12).map(str))


def _options(cmd: Any) -> list[Any]:
    return [p for p in cmd.params if p.param_type_name == "option"
            and not set(p.opts) & GLOBALS and "--help" not in p.opts]


@st.composite
def invocation(draw: Any, path: tuple[str, ...], cmd: Any) -> list[str]:
    args = list(path)
    for param in cmd.params:
        if param.param_type_name == "argument":
            count = draw(st.integers(0, 2)) if param.nargs == -1 else 1
            if draw(st.booleans()) or param.required:
                args.extend(draw(values) for _ in range(max(count, 1 if param.required else 0)))
    for option in draw(st.lists(st.sampled_from(_options(cmd)), max_size=3)) if _options(cmd) else []:
        flag = draw(st.sampled_from(option.opts))
        args.append(flag)
        if not getattr(option, "is_flag", False):
            args.append(draw(values))
    fmt = draw(st.sampled_from([None, "json", "yaml", "table", "csv"]))
    if fmt:
        args += ["-o", fmt]
    if draw(st.booleans()):
        args.append("-q")
    if "rm" in path and draw(st.booleans()):
        args.append("--yes")
    return args


def run_inprocess(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    out_bytes = io.BytesIO()
    stdout = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    stderr = io.StringIO()
    stdin = io.TextIOWrapper(io.BytesIO(b""), encoding="utf-8")
    app = Application(IOStreams(stdin=stdin, stdout=stdout, stderr=stderr, env=env))
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = run(args, app)
    stdout.flush()
    return code, out_bytes.getvalue().decode("utf-8", "replace"), stderr.getvalue()


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Any:
    home = tmp_path_factory.mktemp("fuzz-home")
    emu = Emulator(home / "tenant").start()
    env = {"HOME": str(home), "QCLI_CONFIG_DIR": str(home / "config"),
           "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
           "QCLI_SERVER": emu.url, "QCLI_API_KEY": API_KEY, "QCLI_TIMEOUT": "5",
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
           "QCLI_CREDENTIAL_STORE": "file", "PATH": os.environ.get("PATH", "")}
    saved = dict(os.environ)
    os.environ.update(env)
    cwd = os.getcwd()
    os.chdir(home)
    yield env
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(saved)
    emu.stop()
    print(f"\nfuzz: {RUNS['count']} generated invocations over {len(LEAVES)} leaf commands")


@pytest.mark.parametrize("path,cmd", LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_generated_arguments(path: tuple[str, ...], cmd: Any, fuzz_env: dict[str, str]) -> None:
    @settings(max_examples=20, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(args=invocation(path, cmd))
    def check(args: list[str]) -> None:
        RUNS["count"] += 1
        code, out, err = run_inprocess(args, fuzz_env)
        assert "Traceback" not in err, (args, err)
        assert "internal error" not in err, (args, err)
        assert code in DOCUMENTED, (args, code, err)
        json_asked = "-o" in args and args[args.index("-o") + 1] == "json" and "-q" not in args
        if out.strip() and json_asked and path[-1] not in BINARY_OUT and "raw" not in path:
            json.loads(out)

    check()


def test_walk_finds_every_group() -> None:
    groups = {p[0] for p, _ in LEAVES}
    assert {"context", "extension", "temp-content", "data-file", "data-store", "raw",
            "completion", "version"} <= groups
    assert len(LEAVES) >= 45
