"""The verbs resource groups share: list-with-paging, get, and confirm-and-delete in its three
strategies (one DELETE per ID; one batch answered 207 item by item; the IDs in one request's
body). Each asks on a terminal, needs --yes otherwise, and reports with one wording."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from qcli.errors import ApiError, QcliError, batch_error

if TYPE_CHECKING:
    from qcli.app import Application

Columns = list[tuple[str, str]] | None
RESULT_COLUMNS = [("ID", "id"), ("STATUS", "status"), ("TITLE", "title"), ("DETAIL", "detail")]


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def list_pages(a: Application, fetch: Callable[[int | None, int | None], Iterable[Any]], *,
               limit: int | None, page_size: int | None, maximum: int,
               columns: Columns = None) -> None:
    """Check --limit and --page-size (1 to the API's maximum) before any request, then print
    the items as pages arrive. `fetch(limit, page_size)` returns the items."""
    from qcli.cli.inputs import check_counts

    check_counts(limit, page_size, maximum)
    a.printer.items(fetch(limit, page_size), columns=columns)


def show(a: Application, item: Any, *, id_key: str = "id") -> None:
    """`get`: one resource, in the chosen output format."""
    a.printer.item(item, id_key=id_key)


def confirm_delete(a: Application, ids: list[str], noun: str, *, yes: bool) -> None:
    """Check every ID (exit 2 before any request), then ask (or need --yes)."""
    from qcli.api.ids import check_ids

    check_ids(ids, f"{noun} ID")
    what = f"delete {noun} {ids[0]}" if len(ids) == 1 else f"delete {plural(len(ids), noun)}"
    a.confirm_destructive(what, yes=yes)


def delete_each(a: Application, ids: list[str], delete: Callable[[str], Any], noun: str, *,
                yes: bool) -> None:
    """Strategy 1: one DELETE per ID. Each failure is said on stderr; then the batch rule
    (errors.batch_error): a partial failure exits 1, all failed for one reason its code."""
    confirm_delete(a, ids, noun, yes=yes)
    failures: list[QcliError] = []
    for item_id in ids:
        try:
            delete(item_id)
        except ApiError as exc:
            failures.append(exc)
            if len(ids) > 1:
                a.io.error_line(f"{item_id}: {exc.message}")
            continue
        a.say(f"Deleted {noun} {item_id}.")
    if failures:
        if len(ids) == 1:
            raise failures[0]
        raise batch_error([f.exit_code for f in failures], len(ids), "deletions")


def report_results(a: Application, results: list[dict[str, Any]], action: str) -> None:
    """A 207 answer, item by item (each failure also on stderr); then the batch rule."""
    from qcli.errors import exit_code_for_status

    a.printer.items(results, columns=RESULT_COLUMNS)
    failed = [r for r in results if not 200 <= int(r.get("status") or 0) < 300]
    for item in failed:
        a.io.error_line(f"{item.get('id')}: {item.get('status')} {item.get('title') or ''}: "
                        f"{item.get('detail') or ''}".rstrip(": "))
    if failed:
        raise batch_error([exit_code_for_status(int(r.get("status") or 0)) for r in failed],
                          len(results), action)


def delete_batch(a: Application, ids: list[str], delete_many: Callable[[list[str]], Any],
                 noun: str, *, yes: bool, delete_one: Callable[[str], Any] | None = None,
                 impossible: Callable[[str], str | None] | None = None) -> None:
    """Strategy 2: one batch request answered 207 with a result per ID (one ID alone goes
    through `delete_one` when the API has it). With several IDs, those `impossible` says no
    item can have (the API refuses the whole batch for one of them) are not sent: each gets a
    result of its own, not found."""
    confirm_delete(a, ids, noun, yes=yes)
    if len(ids) == 1 and delete_one is not None:
        delete_one(ids[0])
        a.say(f"Deleted {noun} {ids[0]}.")
        return
    sent, refused = split_impossible(ids, impossible)
    results = delete_many(sent) if sent else []
    report_results(a, [*refused, *results], "deletions")


def split_impossible(ids: list[str], impossible: Callable[[str], str | None] | None
                     ) -> tuple[list[str], list[dict[str, Any]]]:
    """The IDs to send, and a result (as a 207 answer gives it, a 404) for each ID that
    `impossible` says no item can have."""
    sent: list[str] = []
    refused: list[dict[str, Any]] = []
    for item_id in ids:
        why = impossible(item_id) if impossible is not None else None
        if why is None:
            sent.append(item_id)
        else:
            refused.append({"id": item_id, "status": 404, "title": "Not Found", "detail": why})
    return sent, refused


def delete_in_body(a: Application, ids: list[str], delete_all: Callable[[list[str]], Any],
                   noun: str, *, yes: bool) -> None:
    """Strategy 3: the IDs in one request's body; all are deleted or none (one answer). An ID
    given twice is sent once (the APIs want them unique)."""
    ids = list(dict.fromkeys(ids))
    confirm_delete(a, ids, noun, yes=yes)
    delete_all(ids)
    a.say(f"Deleted {noun} {ids[0]}." if len(ids) == 1
          else f"Deleted {plural(len(ids), noun)}: {', '.join(ids)}.")
