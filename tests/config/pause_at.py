"""Imported before qcli in a test's subprocess: stops the process at one point of the
contexts.yml write so that a test can kill it exactly there.

PAUSE_AT=replace        after the temp file is written and synced, before the rename
PAUSE_AT=after-replace  after the rename
The process writes PAUSE_MARK (a path) when it gets there, then sleeps until killed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

_point = os.environ.get("PAUSE_AT", "")
_mark = os.environ.get("PAUSE_MARK", "")
_real_replace = os.replace


def _stop() -> None:
    Path(_mark).write_text(_point)
    while True:
        time.sleep(60)


def _replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
    ours = Path(os.fsdecode(dst)).name == "contexts.yml"
    if ours and _point == "replace":
        _stop()
    _real_replace(src, dst, *args, **kwargs)
    if ours and _point == "after-replace":
        _stop()


os.replace = _replace
