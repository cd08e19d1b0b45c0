"""`-o json`'s encoder (qcli/output/jsontext.py) against json.dumps(v, indent=2,
ensure_ascii=False) over a seeded random corpus: the same text for every value, at every depth of
the streamed list, and the same exception where json.dumps raises one."""

from __future__ import annotations

import json
import math
import random
from enum import IntEnum
from typing import Any

import pytest

from qcli.output import jsontext
from qcli.output.jsontext import dumps_json

PLACEHOLDER = jsontext._PLACEHOLDER_TEXT
SEED = 20261125


class Colour(IntEnum):
    RED = 1


FLOATS = [0.0, -0.0, 1.0, -1.5, 0.1, 1e16, 1e15, 123456789012345678.0, 1e-5, 1e-4, 2.5e-7,
          5e-324, 1.7976931348623157e308, math.nan, math.inf, -math.inf, 1 / 3]
INTS = [0, -1, 1, 2**53 + 1, 2**63, -(2**64), 10**40, -(10**100), int(PLACEHOLDER) - 1]
STRINGS = ["", "plain", 'quote " and \\ backslash', "tab\tnew\nline\r\x00\x1f\x7f",
           "ünïcødé ✓ 日本語 😀", "\u2028\u2029", "\ud800 lone surrogate", "{[,:]}",
           f"digits {PLACEHOLDER[:-1]} inside", "  indented\n  like json\n", "null", "NaN"]


def _scalar(rng: random.Random) -> Any:
    kind = rng.randrange(7)
    if kind == 0:
        return rng.choice([*FLOATS, rng.uniform(-1e6, 1e6),
                           rng.random() * 10 ** rng.randint(-30, 30)])
    if kind == 1:
        return rng.choice([*INTS, rng.randint(-(2**70), 2**70)])
    if kind == 2:
        return rng.choice([True, False, None])
    if kind == 3:
        return "".join(chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0x2FFF),
                                       rng.randint(0x1F600, 0x1F64F)]))
                       for _ in range(rng.randint(0, 12)))
    return rng.choice(STRINGS)


def _key(rng: random.Random) -> Any:
    if rng.random() < 0.05:  # json.dumps turns these into strings; so must we
        return rng.choice([1, -2, 1.5, math.inf, True, False, None])
    return rng.choice(["id", "name", "nested", "a b", "ключ", "", "\n", "{"]) + str(
        rng.randrange(1000) if rng.random() < 0.5 else "")


def _value(rng: random.Random, depth: int, odd: bool) -> Any:
    roll = rng.random()
    if depth >= 6 or roll < 0.45:
        return _scalar(rng)
    size = rng.choice([0, 1, 2, 3, 5, 8])
    if roll < 0.75 or (roll >= 0.97 and not odd):
        return {_key(rng): _value(rng, depth + 1, odd) for _ in range(size)}
    if roll < 0.97:
        return [_value(rng, depth + 1, odd) for _ in range(size)]
    # what json.dumps also takes, by another path: a tuple, an int or str subclass, the
    # placeholder's digits (json.dumps encodes such values)
    return rng.choice([tuple(_value(rng, depth + 1, odd) for _ in range(size)), Colour.RED,
                       type("Text", (str,), {})("sub"), int(PLACEHOLDER), f"x{PLACEHOLDER}"])


def _corpus() -> tuple[list[Any], list[Any]]:
    """JSON as a server sends it (exact dicts, lists and scalars), and values with others."""
    rng = random.Random(SEED)
    pure: list[Any] = [_value(rng, 0, False) for _ in range(2000)]
    pure += [{}, [], {"a": {}}, [[]], {"a": [{}, [], {"b": []}]}, [[[[1]]]], 1, "x", None]
    odd: list[Any] = [_value(rng, 0, True) for _ in range(1000)]
    odd += [{"n": int(PLACEHOLDER), "m": [1]}, {"s": f"-{PLACEHOLDER[1:]}", "t": {"u": 2}},
            [10**5000 // 10**4000]]
    return pure, odd


PURE, ODD = _corpus()
CORPUS = PURE + ODD


def _walk(value: Any, depth: int = 0) -> Any:
    yield value, depth
    if isinstance(value, dict):
        for k, v in value.items():
            yield k, depth + 1
            yield from _walk(v, depth + 1)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk(v, depth + 1)


def test_the_corpus_holds_every_kind_of_value() -> None:
    """The comparison below can only fail where the corpus reaches: check that it reaches."""
    seen = [v for value in CORPUS for v, _ in _walk(value)]
    text = json.dumps(CORPUS, ensure_ascii=False)
    for needle in ("NaN", "Infinity", "-Infinity", "1e+16", "1e-05", "5e-324",
                   str(10**40), "\\u0000", "😀", "{}", "[]", PLACEHOLDER):
        assert needle in text, needle
    kinds = {type(v) for v in seen}
    assert {dict, list, tuple, str, int, float, bool, type(None), Colour} <= kinds
    assert any(type(v).__name__ == "Text" for v in seen)  # a str subclass
    assert max(d for value in CORPUS for _, d in _walk(value)) >= 6
    assert sum(1 for v in seen if isinstance(v, dict | list) and not v) > 100
    assert any(isinstance(v, dict) and any(type(k) is not str for k in v) for v in seen)


def _want(value: Any, level: int) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + "  " * level)


@pytest.mark.parametrize("level", [0, 1, 3])
def test_the_same_text_as_json_dumps(level: int) -> None:
    differ = [value for value in CORPUS if dumps_json(value, level) != _want(value, level)]
    assert not differ, f"{len(differ)} values differ, the first: {differ[0]!r}"


@pytest.mark.skipif(jsontext._make_encoder is None, reason="json.dumps is the fast path here")
@pytest.mark.parametrize("level", [0, 1])
def test_json_as_a_server_sends_it_never_falls_back(level: int) -> None:
    """The fast path itself gives json.dumps's text (not its fallback to json.dumps)."""
    containers = [v for v in PURE if isinstance(v, dict | list) and v]
    assert len(containers) > 500
    differ = [v for v in containers if jsontext._container(v, level) != _want(v, level)]
    assert not differ, f"{len(differ)} values differ, the first: {differ[0]!r}"


@pytest.mark.skipif(jsontext._make_encoder is None, reason="json.dumps is the fast path here")
def test_api_objects_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """A listing's items never fall back to json.dumps (or the speed is gone, silently)."""
    calls = []
    monkeypatch.setattr(jsontext.json, "dumps", lambda *a, **k: calls.append(a) or "")
    item = {"id": "21c37f14", "name": "seed.csv", "folder": False, "folderId": None, "size": 7,
            "actions": ["read", "update"], "folderStats": {"totalFileCount": 0},
            "tags": [], "meta": {}, "ratio": 0.25, "nested": [{"a": [1, {"b": None}]}]}
    assert dumps_json(item, 1).startswith('{\n    "id": "21c37f14",')
    assert not calls


@pytest.mark.parametrize("value", [{"set": {1}}, [object()], {"deep": [{"x": b"bytes"}]}])
def test_the_same_error_as_json_dumps(value: Any) -> None:
    with pytest.raises(TypeError) as want:
        json.dumps(value, indent=2, ensure_ascii=False)
    with pytest.raises(TypeError) as got:
        dumps_json(value)
    assert str(got.value) == str(want.value)


def test_a_circular_value_fails_as_json_dumps_does() -> None:
    loop: dict[str, Any] = {"a": [1]}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        dumps_json(loop)
