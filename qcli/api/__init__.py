"""One module per API, with plain methods named after the reference's operations."""

from typing import Any


def parse(model: str, raw: Any) -> Any:
    """The server's JSON `raw` as the qcli.api.models class named `model`. pydantic is imported
    here, so only by the commands that show one resource; lists stay plain dicts."""
    from qcli.api import models

    return getattr(models, model).from_json(raw)
