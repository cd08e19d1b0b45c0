"""The data catalog: what a delete of data stores means when the server refuses it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qcli.errors import ApiError

if TYPE_CHECKING:
    from qcli.app import Application


def delete_data_stores(a: Application, ids: list[str]) -> None:
    """One DELETE; a 409 (the stores hold data assets) says how to delete those first."""
    try:
        a.data_stores.delete_data_stores(ids)
    except ApiError as exc:
        if exc.status == 409:
            exc.hint = ("delete its data assets first: "
                        f"qcli data-store data-asset rm {','.join(ids)} --yes")
        raise
