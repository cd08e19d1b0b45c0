"""Completion from the precomputed index (qcli.cli.fastcomplete) answers what typer answers, for
every command of the tree, and a TAB loads neither typer, httpx nor rich."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import qcli
from qcli.cli import completers, fastcomplete
from qcli.config import completion_cache
from qcli.config.paths import completion_cache_name

ROOT = Path(__file__).parents[2]


def _walk(node: dict[str, Any], path: list[str]) -> list[tuple[list[str], dict[str, Any]]]:
    out = [(path, node)]
    for name, child in (node.get("commands") or {}).items():
        out.extend(_walk(child, [*path, name]))
    return out


def _cases(index: dict[str, Any]) -> list[tuple[list[str], str]]:
    """Lines to complete: every command, each of its options with and without a value, `=`
    forms, positional arguments, `--`, global options before a subcommand, unknown options."""
    cases: list[tuple[list[str], str]] = []
    globals_ = ["--context", "-o", "--json", "-q", "-H"]
    for path, node in _walk(index["root"], []):
        params = [index["params"][i] for i in node["params"]]
        cases += [(path, ""), (path, "-"), (path, "--"), (path, "--c"), (path, "x"), (path, "=")]
        cases += [(path, name[:2]) for name in node.get("commands", {})]
        cases += [([*path, "--", ""], ""), ([*path, "--"], "-"), ([*path, "--bogus"], "")]
        cases += [([*path, "a1"], ""), ([*path, "a1", "a2"], ""), ([*path, "a1"], "-")]
        for p in params:
            if p["kind"] != "option" or (p["opts"][0] not in globals_ and p["name"] in (
                    "server", "query", "verbose", "insecure", "ca_cert", "timeout",
                    "no_progress", "no_color")):
                continue
            for name in {p["opts"][0], p["opts"][-1]}:
                if p["flag"]:
                    cases += [([*path, name], "-"), ([*path, name], "")]
                else:
                    cases += [([*path, name], ""), ([*path, name], "j"), ([*path, name, "v"], ""),
                              ([*path, name, "v"], "-"), (path, f"{name}="), (path, f"{name}=y")]
                    if name.startswith("--") and "-" in name[2:]:
                        camel = name[:2] + "".join(w.capitalize() if i else w for i, w in
                                                   enumerate(name[2:].split("-")))
                        cases += [([*path, camel], ""), ([*path, camel, "v"], "-")]
    for path, _ in _walk(index["root"], [])[:12]:
        for before in (["-o", "json"], ["--json"], ["-qv"], ["-ojson"], ["--output=json"],
                       ["--context", "c"], ["-q", "--bogus"], ["-o"]):
            cases += [([*before, *path], ""), ([*before, *path], "-")]
    return cases


def _typer_values(root: Any, app: Any, args: list[str], incomplete: str) -> list[str]:
    from typer._completion_classes import BashComplete

    comp = BashComplete(root, {"obj": app}, "qcli", "_QCLI_COMPLETE")
    values = [str(item.value) for item in comp.get_completions(list(args), incomplete)]
    if "--help" in values and "-h" in values:  # click orders these two from a set
        values.remove("-h")
        values.insert(values.index("--help"), "-h")
    return values


def test_the_index_answers_what_typer_answers_for_every_command(monkeypatch) -> None:
    from qcli.app import Application
    from qcli.cli.root import build

    monkeypatch.setattr(completers, "_values", lambda ctx, inc, kind, fetch: [f"<{kind}>"])
    monkeypatch.setattr(completers, "context_names", lambda inc: ["<contexts>"])
    monkeypatch.setattr(completers, "recent_temp_contents", lambda: ["<temp-contents>"])
    index = fastcomplete.load_index()
    assert index is not None
    root = build()
    cases = _cases(index)
    assert len(cases) > 1000
    mismatches = []
    for args, incomplete in cases:
        expected = _typer_values(root, Application(), args, incomplete)
        got = [v for v, _ in fastcomplete.completions(
            index, args, incomplete, live=lambda kind, inc, opts: [f"<{kind}>"])]
        if got != expected:
            mismatches.append((args, incomplete, expected, got))
    assert mismatches == [], f"{len(mismatches)} of {len(cases)} differ, e.g. {mismatches[:5]}"
    # the cases reach every kind of answer
    words = {w for args, inc in cases for w, _ in fastcomplete.completions(
        index, args, inc, live=lambda kind, inc, opts: [f"<{kind}>"])}
    assert {"extension", "--output", "json", "<extensions>", "<contexts>", "<data-files>",
            "<data-stores>", "<temp-contents>"} <= words


def test_global_options_on_the_line_reach_the_live_completer() -> None:
    index = fastcomplete.load_index()
    assert index is not None
    seen: list[dict[str, Any]] = []

    def live(kind: str, incomplete: str, options: dict[str, Any]) -> list[str]:
        seen.append(options)
        return ["abc"]

    args = ["--server", "https://a.example", "-H", "X-A: 1", "extension", "--context", "prod",
            "--insecure", "-H", "X-B: 2", "get", "--timeout", "5"]
    assert fastcomplete.completions(index, args, "a", live=live) == [("abc", None)]
    assert seen == [{"server": "https://a.example", "context": "prod", "insecure": True,
                     "headers": ["X-A: 1", "X-B: 2"], "timeout": "5"}]


def _complete(env: dict[str, str], watch: tuple[str, ...] = ("typer", "httpx", "rich", "yaml"),
              bare: bool = False, **shell: str) -> subprocess.CompletedProcess[str]:
    """A TAB in a new process; which of `watch` it loaded comes last on stderr. `bare`: without
    site (-S), whose editable-install finder imports re and pathlib before qcli starts; qcli's
    folder and the site-packages put on sys.path by hand."""
    where = [str(Path(qcli.__file__).parents[1]), *(p for p in sys.path if p.endswith("-packages"))]
    code = (f"import sys; sys.path[:0] = {where!r}; " if bare else "import sys; ") + (
        "sys.argv = ['qcli']; from qcli.main import main; rc = main(); "
        f"print('\\x00' + ','.join(sorted(m for m in {watch!r} "
        "if m in sys.modules)), file=sys.stderr); sys.exit(rc)")
    return subprocess.run([sys.executable, *(["-S"] if bare else []), "-c", code],
                          env=dict(env, **shell), capture_output=True, text=True, timeout=20)


def _cache_path(kind: str, server: str) -> Path:
    return Path(completion_cache_name(kind, server))


def _cache(path: Path, values: list[str], at: float | None = None) -> None:
    """Values in the completion cache's file `path`, fetched at `at` (now)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(completion_cache.encode([repr(time.time() if at is None else at), *values]))


def _loaded(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stderr.rpartition("\x00")[2].strip()


def test_a_tab_loads_no_typer_httpx_or_rich(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCLI_")}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"),
               QCLI_CONFIG_DIR=str(tmp_path / "cfg"), QCLI_SERVER="https://acme.example")
    static = _complete(env, _QCLI_COMPLETE="complete_bash", COMP_WORDS="qcli extension ls -o ",
                       COMP_CWORD="4")
    assert static.returncode == 0 and static.stdout == "json\nyaml\ntable\ncsv\n"
    assert _loaded(static) == ""
    # a fresh cache answers without the HTTP client
    cache = _cache_path("extensions", "https://acme.example/")
    cache = tmp_path / "cache" / "qcli" / "completion" / cache.name
    _cache(cache, ["ext-1", "my-chart"])
    warm = _complete(env, _QCLI_COMPLETE="complete_bash", COMP_WORDS="qcli extension get m",
                     COMP_CWORD="3")
    assert warm.returncode == 0 and warm.stdout == "my-chart\n"
    assert _loaded(warm) == ""
    # zsh and fish get the full help text (typer's rich rendering dropped "[env: ...]")
    zsh = _complete(env, _QCLI_COMPLETE="complete_zsh", _TYPER_COMPLETE_ARGS="qcli --cont")
    assert zsh.stdout == ("_arguments '*: :((\"--context\":\"Saved context to use [env\\\\: "
                          "QCLI_CONTEXT]\"))'\n")
    fish = _complete(env, _QCLI_COMPLETE="complete_fish", _TYPER_COMPLETE_ARGS="qcli ext",
                     _TYPER_COMPLETE_FISH_ACTION="get-args")
    assert fish.stdout == "extension\tManage visualization extensions.\n"
    isargs = _complete(env, _QCLI_COMPLETE="complete_fish", _TYPER_COMPLETE_ARGS="qcli zzz",
                       _TYPER_COMPLETE_FISH_ACTION="is-args")
    assert isargs.returncode == 1 and isargs.stdout == ""


def test_a_tab_loads_no_re(tmp_path: Path) -> None:
    """re (and json, typing, shlex and pathlib, which import it) cost ~5 ms of what a TAB took
    (~17 ms, now ~9): a TAB for static words, or for live values from a warm cache, runs without
    them, nor contextlib. Checked without site, which imports re in an editable install."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QCLI_")}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"),
               QCLI_CONFIG_DIR=str(tmp_path / "cfg"))
    watch = ("re", "json", "typing", "shlex", "contextlib", "typer")
    bare = subprocess.run([sys.executable, "-S", "-c", "import sys; print('re' in sys.modules)"],
                          capture_output=True, text=True, timeout=20)
    assert bare.stdout == "False\n"  # without site, nothing has loaded re before qcli starts
    static = _complete(env, watch, bare=True, _QCLI_COMPLETE="complete_bash",
                       COMP_WORDS="qcli data-file ls --sort 'na", COMP_CWORD="4")
    assert static.returncode == 0, static.stderr
    assert static.stdout == "name\n" and _loaded(static) == ""
    zsh = _complete(env, watch, bare=True, _QCLI_COMPLETE="complete_zsh",
                    _TYPER_COMPLETE_ARGS="qcli extension ls -o \"y")
    assert zsh.stdout.startswith("_arguments '*: :((\"yaml\"))'") and _loaded(zsh) == ""
    # live values from a warm cache, the server from the environment or from a saved context
    watch += ("pathlib", "hashlib")
    cache = tmp_path / "cache" / "qcli" / "completion" / _cache_path(
        "extensions", "https://acme.example").name
    _cache(cache, ["ext-1", "my-chart"])
    warm = _complete(dict(env, QCLI_SERVER="https://acme.example"), watch, bare=True,
                     _QCLI_COMPLETE="complete_bash", COMP_WORDS="qcli extension get m",
                     COMP_CWORD="3")
    assert warm.stdout == "my-chart\n" and _loaded(warm) == "hashlib"  # the cache file's name
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "contexts.yml").write_text(
        "current: acme\ncontexts:\n  acme:\n    server: https://acme.example\n")
    tab = {"_QCLI_COMPLETE": "complete_bash", "COMP_WORDS": "qcli extension get m",
           "COMP_CWORD": "3"}
    first = _complete(env, watch, bare=True, **tab)  # reads contexts.yml, writes the summary
    assert first.stdout == "my-chart\n" and "re" in _loaded(first).split(",")
    again = _complete(env, watch, bare=True, **tab)
    assert again.stdout == "my-chart\n" and _loaded(again) == "hashlib"


def test_the_line_is_split_into_words_as_shlex_splits_it() -> None:
    """fastcomplete._split stands in for shlex (which imports re): 100,000 random lines of
    quotes, backslashes and blanks split the same, an open quote or a trailing backslash
    ending the last word as the words were split before."""
    import random
    import shlex

    def by_shlex(line: str) -> list[str]:
        lex = shlex.shlex(line, posix=True)
        lex.whitespace_split = True
        lex.commenters = ""
        out: list[str] = []
        try:
            out.extend(lex)
        except ValueError:
            out.append(lex.token)
        return out

    rng = random.Random(14)
    lines = ["", " ", "a b", "'a b' c", 'a\\ b', '"a\\"b"', "'", '"\\', "a\\", "''", '"" x']
    lines += ["".join(rng.choice("ab '\"\\\t\n\r\x0b-=#é") for _ in range(rng.randint(0, 14)))
              for _ in range(100_000)]
    differ = [line for line in lines if fastcomplete._split(line) != by_shlex(line)]
    assert differ == []


def test_a_stale_cache_is_fetched_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("QCLI_SERVER", "https://acme.example")
    cache = _cache_path("extensions", "https://acme.example")
    _cache(cache, ["old"], time.time() - 61)
    fetched: list[str] = []

    def remote(app: Any, kind: str, fetch: Any) -> list[str]:
        fetched.append(kind)
        return ["new"]

    monkeypatch.setattr(completers, "_remote", remote)
    assert completers.remote_values("extensions", "", {}) == ["new"]
    assert fetched == ["extensions"]
    _cache(cache, ["fresh"])
    assert completers.remote_values("extensions", "", {}) == ["fresh"]
    assert fetched == ["extensions"]


def test_with_a_context_a_warm_tab_reads_no_yaml_and_sees_changes(tmp_path: Path) -> None:
    from qcli.config.contexts import Context, ContextStore

    env = {k: v for k, v in os.environ.items() if not k.startswith("QCLI_")}
    env.update(HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "cache"),
               QCLI_CONFIG_DIR=str(tmp_path / "cfg"))
    store = ContextStore(tmp_path / "cfg")

    def add(name: str, server: str) -> None:
        def change(data: Any) -> None:
            data.contexts[name] = Context(name=name, server=server)
            data.current = name
        store.update(change)

    add("prod", "https://prod.example")
    cache = _cache_path("extensions", "https://prod.example")
    cache = tmp_path / "cache" / "qcli" / "completion" / cache.name
    _cache(cache, ["prod-chart"])
    tab = {"_QCLI_COMPLETE": "complete_bash", "COMP_WORDS": "qcli extension get ",
           "COMP_CWORD": "3"}
    # reads contexts.yml once (qcli.config.contexts; without PyYAML, qcli.config.plainyaml),
    # and keeps a summary
    watch = ("typer", "httpx", "rich", "yaml", "qcli.config.contexts")
    first = _complete(env, watch, **tab)
    assert first.stdout == "prod-chart\n" and _loaded(first) == "qcli.config.contexts"
    again = _complete(env, watch, **tab)
    assert again.stdout == "prod-chart\n" and _loaded(again) == ""
    names = _complete(env, watch, _QCLI_COMPLETE="complete_bash",
                      COMP_WORDS="qcli --context p", COMP_CWORD="2")
    assert names.stdout == "prod\n" and _loaded(names) == ""
    add("pre", "https://pre.example")  # contexts.yml changed: the summary follows
    names = _complete(env, _QCLI_COMPLETE="complete_bash", COMP_WORDS="qcli --context p",
                      COMP_CWORD="2")
    assert names.stdout == "pre\nprod\n"
