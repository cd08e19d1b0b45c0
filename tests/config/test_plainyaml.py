"""qcli/config/plainyaml.py against PyYAML, the oracle: for the files qcli writes and for random
edits of them, `load` gives exactly what `yaml.safe_load` gives (types included), or None (then
qcli asks PyYAML). The files qcli writes for usual contexts and secrets must be read by `load`
itself: that is the point of it."""

from __future__ import annotations

import random
import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from qcli.config import plainyaml
from qcli.config.contexts import Context, ContextFile
from qcli.config.credentials import file_text


def typed(value: Any) -> Any:
    """`value` with every type spelled out: True and 1, None and 'null', '1' and 1 differ."""
    if isinstance(value, dict):
        return ("dict", sorted((repr(k), typed(v)) for k, v in value.items()))
    return (type(value).__name__, repr(value))


def agrees(text: str) -> bool:
    """True if `load` took the text (and then agreed with PyYAML); False if it left it to
    PyYAML. Fails the test if `load` took a text PyYAML reads otherwise or refuses."""
    got = plainyaml.load(text)
    if got is None:
        return False
    assert typed(got) == typed(yaml.safe_load(text)), text
    return True


NAME = string.ascii_lowercase + string.digits + "-_."
HEXISH = "0123456789abcdefxbABCDEFXB_.:-"  # what numbers, dates and hex IDs are made of
NASTY = (" :#'\"-?&*!|>{}[],%@`~\\/=+\t\u00e9\u2603\n0123456789aZ.yesnoNULLtrue"
         "\x00\x07\x0b\x0c\x1b\x7f\x85\u2028")  # control characters and line breaks


def usual_contexts(rng: random.Random) -> ContextFile:
    contexts = {}
    for _ in range(rng.randint(1, 4)):
        name = rng.choice(string.ascii_lowercase) + "".join(
            rng.choice(NAME) for _ in range(rng.randint(0, 12)))
        host = "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
        server = rng.choice([f"https://{host}.eu.qlikcloud.com",
                             f"http://127.0.0.1:{rng.randint(1024, 65535)}"])
        oauth = rng.random() < 0.3
        contexts[name] = Context(
            name, server, auth="oauth" if oauth else "api-key",
            oauth_client_id="".join(rng.choice(string.hexdigits) for _ in range(32))
            if oauth else None,
            insecure=rng.random() < 0.2,
            ca_cert=rng.choice([None, f"/etc/ssl/{host}.pem"]),
            headers=rng.choice([{}, {"X-Team": "bi-platform", "X-Env": "prod"}]),
            comment=rng.choice([None, "the team's tenant", "EU tenant for tests"]),
            credential_store=rng.choice([None, "keyring", "file"]))
    return ContextFile(current=rng.choice([None, *contexts]), contexts=contexts)


def usual_secrets(rng: random.Random) -> dict[str, dict[str, str]]:
    token = string.ascii_letters + string.digits + "-_."
    return {rng.choice(string.ascii_lowercase) + "".join(
        rng.choice(NAME) for _ in range(rng.randint(0, 10))): {
        "api-key": "eyJ" + "".join(rng.choice(token) for _ in range(rng.randint(20, 400)))}
        for _ in range(rng.randint(1, 3))}


def test_the_files_qcli_writes_for_usual_contexts_are_read_without_pyyaml() -> None:
    rng = random.Random(1)
    for _ in range(400):
        assert agrees(usual_contexts(rng).to_yaml().decode())
        assert agrees(file_text(usual_secrets(rng)).decode())


def test_any_strings_qcli_writes_are_read_alike_or_left_to_pyyaml() -> None:
    """Names, servers, comments, headers and secrets of any characters: whatever PyYAML's
    dumper makes of them (quoted, folded, escaped), `load` reads the same or declines."""
    rng = random.Random(2)

    def text() -> str:  # any characters, or those of plain words, URLs, paths and numbers
        alphabet = rng.choice([NASTY, string.ascii_letters + string.digits + " -./:", HEXISH])
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))

    taken = 0
    for _ in range(1500):
        contexts = {text(): Context("x", text(), auth=text(), comment=text(),
                                    headers={text(): text()}, ca_cert=text() or None)
                    for _ in range(rng.randint(1, 3))}
        taken += agrees(ContextFile(current=text() or None, contexts=contexts).to_yaml().decode())
        taken += agrees(file_text({text(): {text(): text()}}).decode())
    assert taken > 0  # some are plain enough to be taken (the rest: PyYAML)


def test_random_edits_are_read_alike_or_left_to_pyyaml() -> None:
    """A hand-edited file: characters inserted, removed or replaced, lines moved, indented or
    repeated. Whatever `load` takes, PyYAML reads the same (and does not refuse)."""
    rng = random.Random(3)
    taken = edits = 0
    for _ in range(1500):
        base = rng.choice([usual_contexts(rng).to_yaml().decode(),
                           file_text(usual_secrets(rng)).decode()])
        for _ in range(8):
            edited = base
            for _ in range(rng.randint(1, 3)):
                edited = edit(rng, edited)
            edits += 1
            try:
                taken += agrees(edited)
            except yaml.YAMLError:
                raise AssertionError(f"load took a text PyYAML refuses: {edited!r}") from None
    assert edits == 12000 and taken > edits // 10


# pieces of text YAML gives a meaning to (or that look like one)
TOKENS = [": ", " #", "# ", "- ", "? ", ":", "'", "''", '"', "&a ", "*a", "!!str ", "|", ">",
          "{}", "[a]", "<<", "=", "~", "\t", "  ", "yes", "No", "ON", "True", "null", "NULL",
          "1.5", "1e3", "1_000", "0x1f", "0b1", "017", "1:30", "2001-12-14", ".inf", "7Df4",
          "a", "0", "-", ".", "%", "@", "`", ",", "\\", "\u00e9", "\x00", "\x07", "\x7f",
          "\r", "\x85", "\u2028", "k" * 130]


def value(rng: random.Random) -> str:
    return "".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 3)))


def edit(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    at = rng.randrange(len(lines))
    kind = rng.randrange(8)
    if kind == 6 and ": " in lines[at]:  # a value (or a key) replaced with YAML-ish pieces
        key, _, rest = lines[at].partition(": ")
        lines[at] = (f"{key}: {value(rng)}" if rng.random() < 0.7
                     else f"{key[:len(key) - len(key.lstrip())]}{value(rng)}: {rest}")
    elif kind == 7:  # YAML-ish pieces in
        line = lines[at]
        pos = rng.randint(0, len(line))
        lines[at] = line[:pos] + value(rng) + line[pos:]
    elif kind == 0:  # a character in
        line = lines[at]
        pos = rng.randint(0, len(line))
        lines[at] = line[:pos] + rng.choice(rng.choice([NASTY, HEXISH])) + line[pos:]
    elif kind == 1 and lines[at]:  # a character out
        pos = rng.randrange(len(lines[at]))
        lines[at] = lines[at][:pos] + lines[at][pos + 1:]
    elif kind == 2 and lines[at]:  # a character replaced
        pos = rng.randrange(len(lines[at]))
        lines[at] = lines[at][:pos] + rng.choice(NASTY) + lines[at][pos + 1:]
    elif kind == 3:  # a line repeated elsewhere
        lines.insert(rng.randrange(len(lines) + 1), lines[at])
    elif kind == 4:  # indented or dedented
        lines[at] = rng.choice([" ", "  ", "    "]) + lines[at] if rng.random() < 0.5 \
            else lines[at][rng.randint(1, 2):]
    else:  # a line removed
        del lines[at]
    return "\n".join(lines)


@pytest.mark.parametrize(("text", "expected"), [
    ("current: emu\ncontexts:\n  emu:\n    server: http://127.0.0.1:1\n    insecure: true\n",
     {"current": "emu", "contexts": {"emu": {"server": "http://127.0.0.1:1", "insecure": True}}}),
    ("current: null\n", {"current": None}),
    ("a: x\na:\n  b: c\n", {"a": {"b": "c"}}), ("a:\n  b: c\na: x\n", {"a": "x"}),
    ("# a\tcomment\na: b\n", {"a": "b"}),
    ("'1':\n  api-key: 'it''s'\n", {"1": {"api-key": "it's"}}),
    ("# only a comment\nk: v\n  # an indented comment\n", {"k": "v"}),
    # left to PyYAML: each reads differently from a plain string, or is outside the subset
    ("current: yes\n", None), ("current: True\n", None), ("current: ~\n", None),
    ("current: 12\n", None), ("current: .inf\n", None), ("current: 2001-12-14\n", None),
    ("current: emu # a comment\n", None), ("current: \"emu\"\n", None),
    ("current:\n", None), ("a: 1\na: 2\n", None), ("a:\n   b: c\n", None),
    ("a:\tb\n", None), ("- a\n", None), ("a: [b]\n", None), ("a: &x b\n", None),
    ("a: b\r\n", None), ("# c\ra: b\n", None), ("# c\u2028a: b\n", None), ("# c\x85a: b\n", None),
    ("\ta: b\n", None), ("a:\n\tb: c\n", None), ("a: b\n# \x07\n", None),
    ("a: b\n  #x\x7f\n", None), ("a: 'it's'\n", None), ("a: 'x' 'y'\n", None),
    ("a: b\n#\x00\n", None), ("k" * 1025 + ": v\n", None),
    ("".join(f"{'  ' * d}k{d}:\n" for d in range(60)) + "  " * 60 + "k: v\n", None),
    ("a: caf\u00e9\n", None), ("", None), ("---\na: b\n", None),
    ("a: b:\n", None), ("a:b\n", None), ("a:  b\n", None), ("a: 'b\n", None),
    ("a: b\n  c\n", None), ("<<: b\n", None), ("a: |\n  b\n", None),
    ("a: 1_000\n", None), ("a: 0x1f\n", None), ("a: 0b11\n", None), ("a: 1:30\n", None),
    ("a: 1.5\n", None), ("a: 017\n", None),
    ("id: 7Df4cb3a\nname: 1st tenant\n", {"id": "7Df4cb3a", "name": "1st tenant"}),
])
def test_cases(text: str, expected: Any) -> None:
    assert plainyaml.load(text) == expected
    if expected is not None:
        assert typed(expected) == typed(yaml.safe_load(text))


def test_a_file_pyyaml_refuses_says_where(tmp_path: Path) -> None:
    """safe_load: PyYAML's problem and line, for contexts.yml's one-line error."""
    from qcli.config.contexts import ContextStore
    from qcli.errors import ConfigError

    with pytest.raises(plainyaml.Invalid) as refused:
        plainyaml.safe_load("current: a\ncontexts:\n  a: [\n")
    assert (refused.value.problem, refused.value.line) == (
        "expected the node content, but found '<stream end>'", 4)
    assert plainyaml.safe_load("a: b\n") == {"a": "b"} and plainyaml.safe_load("- a\n") == ["a"]
    (tmp_path / "contexts.yml").write_text("current: a\ncontexts:\n  a: [\n")
    with pytest.raises(ConfigError, match=r"contexts\.yml line 4: expected the node content"):
        ContextStore(tmp_path).load()
