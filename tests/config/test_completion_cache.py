"""qcli.config.completion_cache: its line format keeps any string as it was, and a file that is
not one of its own (an older JSON cache, a cut file, another format) is a miss, not an error."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest

from qcli.config import completion_cache as cc
from qcli.config import summary


def test_any_string_comes_back_as_it_was_written() -> None:
    rng = random.Random(14)
    alphabet = "ab\n\r\t\\ '\"é€\U0001f600\x00\x7f\ud800"
    values = ["", "\\n", "line\nbreak", "ends with \\"]
    values += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
               for _ in range(5_000)]
    data = cc.encode(values)
    assert data.isascii() and data.count(b"\n") == len(values) + 1  # one line a value
    assert cc.decode(data) == values


@pytest.mark.parametrize("data", [
    b'{"time": 1, "values": ["a"]}',  # the JSON cache of earlier versions
    cc.encode(["1", "a"])[:-1],  # cut before its last newline
    b"qcli-cache 2\n1\na\n",  # a later format
    b"",
])
def test_a_file_not_in_this_format_is_a_miss(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    assert cc.read(str(path)) is None
    assert cc.read(str(tmp_path / "missing.txt")) is None


def test_values_are_fresh_for_a_minute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cc.fresh_values("extensions", "https://a.example") is None
    cc.save_values("extensions", "https://a.example", ["x\ny", "z"])
    assert cc.fresh_values("extensions", "https://a.example/") == ["x\ny", "z"]
    assert cc.fresh_values("extensions", "https://b.example") is None
    name = cc.completion_cache_name("extensions", "https://a.example")
    assert os.stat(name).st_mode & 0o777 == 0o600
    assert os.stat(os.path.dirname(name)).st_mode & 0o777 == 0o700
    cc.save_values("extensions", "https://a.example", ["old"], at=time.time() - 61)
    assert cc.fresh_values("extensions", "https://a.example") is None
    cc.save_values("extensions", "https://a.example", ["future"], at=time.time() + 3600)
    assert cc.fresh_values("extensions", "https://a.example") is None  # a clock set back


def test_recent_temp_contents_keep_the_last_twenty(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    for i in range(25):
        cc.remember_temp_content(f"t{i}")
    cc.remember_temp_content("t10")
    recent = cc.recent_temp_contents()
    assert recent[:3] == ["t10", "t24", "t23"] and len(recent) == 20 and "t4" not in recent


def test_the_contexts_summary_follows_contexts_yml(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("QCLI_CONFIG_DIR", str(tmp_path / "cfg"))
    (tmp_path / "cfg").mkdir()
    contexts = tmp_path / "cfg" / "contexts.yml"
    assert summary.contexts() == (None, {}, frozenset()) and summary.read_current() is None
    contexts.write_text("contexts:\n  a:\n    server: https://a.example\n")
    assert summary.read_current() is None  # not summed up yet
    assert summary.contexts() == (None, {"a": "https://a.example"}, frozenset())
    assert summary.read_current() == (None, {"a": "https://a.example"}, frozenset())
    contexts.write_text("current: b\ncontexts:\n  a:\n    server: https://a.example\n"
                        "  b:\n    server: https://b.example:8443\n    insecure: true\n"
                        "  c:\n    server: https://c.example\n    ca-cert: /etc/c.pem\n")
    assert summary.read_current() is None  # contexts.yml changed: the summary is stale
    assert summary.contexts() == ("b", {"a": "https://a.example", "b": "https://b.example:8443",
                                        "c": "https://c.example"}, frozenset({"b", "c"}))
    assert summary.read_current() == summary.contexts()


def test_a_summary_of_another_layout_is_not_read(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary's first line names its own layout: a file of the general cache format (or
    a summary of an earlier layout, two lines a context) is rebuilt, never misread."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("QCLI_CONFIG_DIR", str(tmp_path / "cfg"))
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "contexts.yml").write_text(
        "current: a\ncontexts:\n  a:\n    server: https://a.example\n")
    expected = ("a", {"a": "https://a.example"}, frozenset())
    assert summary.contexts() == expected
    name = summary._file(str(tmp_path / "cfg" / "contexts.yml"))
    lines = cc.read(name, summary.FORMAT)
    assert lines is not None
    # a name "default" and a server "own" would pass a check of the lines alone
    Path(name).write_bytes(cc.encode([lines[0], "+a", "a", "https://a", "default", "own",
                                      "b", "https://b"]))
    assert summary.read_current() is None
    assert summary.contexts() == expected  # rebuilt from contexts.yml
