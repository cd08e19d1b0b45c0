"""Print results on stdout in the chosen format. Lists stream as they arrive (json, yaml, csv, -q);
`--query` (JMESPath) is applied once, to the whole result, before formatting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from qcli.errors import UsageError
from qcli.iostreams import IOStreams
from qcli.output.jsontext import dumps_json
from qcli.output.table import OTHER, cell, render_table, shrink_class

# a column: (header, key); the key may be dotted ("bundle.name")
Column = tuple[str, str]


def dig(obj: Any, key: str) -> Any:
    if isinstance(obj, dict) and key in obj:  # a key of a --query result may hold a dot
        return obj[key]
    for part in key.split("."):
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _reason(exc: BaseException) -> str:
    """jmespath's message on one line (its text repeats the expression under it, with a caret)."""
    return str(exc).splitlines()[0].removesuffix(", for expression:").rstrip(":")


class Printer:
    def __init__(self, io: IOStreams, fmt: str, *, quiet: bool = False, query: str | None = None):
        self.io = io
        self.fmt = fmt
        self.quiet = quiet
        self.query = None
        if query is not None:
            import jmespath
            import jmespath.exceptions

            try:
                self.query = jmespath.compile(query)
            except jmespath.exceptions.JMESPathError as exc:
                raise UsageError(f"invalid --query expression {query!r}: {_reason(exc)}"
                                 ) from None
        self._expression = query

    # -- entry points ----------------------------------------------------------------------------
    def item(self, obj: Any, *, columns: Sequence[Column] | None = None, id_key: str = "id") -> None:
        """One resource (or any JSON value); a model (qcli.api.models.Resource) prints as the
        server sent it (its to_json())."""
        if hasattr(obj, "to_json"):
            obj = obj.to_json()
        whole = _ids(obj if isinstance(obj, list) else [obj])
        self._value(obj if self.query is None else self._search(obj), columns, id_key, whole)

    def items(
        self, items: Iterable[Any], *, columns: Sequence[Column] | None = None, id_key: str = "id"
    ) -> None:
        """A list, streamed where the format allows."""
        if self.query is not None:
            source = list(items)
            self._value(self._search(source), columns, id_key, _ids(source))
        else:
            self._list(items, columns, id_key)

    def _search(self, value: Any) -> Any:
        """--query applied; a function given the wrong arguments or types (`length(@, @)`,
        `sum(name)`) is the expression's fault: exit 2, one line."""
        import jmespath.exceptions

        assert self.query is not None
        try:
            return self.query.search(value)
        except jmespath.exceptions.JMESPathError as exc:
            raise UsageError(f"--query {self._expression!r} failed on the result: "
                             f"{_reason(exc)}") from None

    # -- dispatch --------------------------------------------------------------------------------
    def _list(self, items: Iterable[Any], columns: Sequence[Column] | None, id_key: str) -> None:
        if self.quiet:
            self._quiet(items, id_key)
        elif self.fmt == "json":
            self._json_stream(items)
        elif self.fmt == "yaml":
            self._yaml_stream(items)
        elif self.fmt == "csv":
            self._csv(items, columns)
        else:
            self._table_list(list(items), columns, id_key)

    def _value(self, value: Any, columns: Sequence[Column] | None, id_key: str,
               whole: set[int]) -> None:
        """A materialised value: after --query its shape may differ from the resource's, so
        csv and table columns come from the value itself (see `tabular`); `whole` holds the
        id() of the command's own objects (a query that filters or sorts returns them)."""
        if isinstance(value, list):
            if self.quiet or self.fmt in ("json", "yaml"):
                self._list(value, columns, id_key)
                return
            rows, cols = tabular(value, columns, whole)
            if self.fmt == "csv":
                self._csv(rows, cols)
            else:
                self._table_list(rows, cols, id_key)
            return
        if self.quiet:
            if isinstance(value, dict):
                if value.get(id_key) is not None:
                    self.io.out(f"{cell(value[id_key])}\n")
            elif value is not None:
                self.io.out(f"{cell(value)}\n")
            return
        if self.fmt == "json":
            self.io.out(dumps_json(value) + "\n")
        elif self.fmt == "yaml":
            self.io.out(_yaml(value))
        elif self.fmt == "csv":
            self._csv(*tabular([value], columns, whole))
        elif not isinstance(value, dict):
            self.io.out(("" if value is None else cell(value)) + "\n")
        else:
            rows = [[k, cell(v)] for k, v in value.items()]
            self.io.out(render_table(["FIELD", "VALUE"], rows, width=self.io.terminal_width,
                                     bold=self.io.color_stdout, shrink=[None, OTHER]))

    # -- formats ---------------------------------------------------------------------------------
    def _quiet(self, items: Iterable[Any], id_key: str) -> None:
        for item in items:
            value = item.get(id_key) if isinstance(item, dict) else item
            if value is not None:
                self.io.out(f"{cell(value)}\n")

    def _json_stream(self, items: Iterable[Any]) -> None:
        first = True
        for item in items:
            text = dumps_json(item, 1)
            self.io.out(("[\n  " if first else ",\n  ") + text)
            first = False
        self.io.out("[]\n" if first else "\n]\n")

    def _yaml_stream(self, items: Iterable[Any]) -> None:
        empty = True
        for item in items:
            self.io.out(_yaml([item]))
            empty = False
        if empty:
            self.io.out("[]\n")

    def _csv(self, items: Iterable[Any], columns: Sequence[Column] | None) -> None:
        import csv

        writer = csv.writer(self.io.stdout, lineterminator="\n")
        keys: list[str] | None = [k for _, k in columns] if columns else None
        if keys is not None:
            writer.writerow(keys)
        for item in items:
            if not isinstance(item, dict):
                item = {"value": item}
            if keys is None:
                keys = list(item.keys())
                writer.writerow(keys)
            writer.writerow([cell(dig(item, k)) for k in keys])

    def _table_list(self, items: list[Any], columns: Sequence[Column] | None,
                    id_key: str) -> None:
        if not items:
            self.io.err("No results.")
            return
        if not isinstance(items[0], dict):
            for item in items:
                self.io.out(cell(item) + "\n")
            return
        if not columns:
            columns = [(k.upper(), k) for k in items[0]]
        headers = [h for h, _ in columns]
        rows = [[cell(dig(item, k)) for _, k in columns] for item in items]
        self.io.out(render_table(headers, rows, width=self.io.terminal_width,
                                 bold=self.io.color_stdout,
                                 shrink=[shrink_class(k, id_key) for _, k in columns]))


def _ids(values: list[Any]) -> set[int]:
    return {id(v) for v in values if isinstance(v, dict)}


def tabular(values: list[Any], columns: Sequence[Column] | None, whole: set[int]
            ) -> tuple[list[Any], Sequence[Column] | None]:
    """Rows and columns for csv and tables from a materialised list (a --query result).

    The command's own objects (`whole`: filtered, sorted or sliced by the query) keep its
    columns; other objects get one column per key (in order of first appearance); a list of
    scalars gets one `value` column; arrays get positional columns `value1`, `value2`, ...
    (a scalar among them fills `value1`)."""
    if all(isinstance(v, dict) for v in values):
        if not values or (columns and all(id(v) in whole for v in values)):
            return values, columns
        keys = list(dict.fromkeys(k for v in values for k in v))
        return values, [(k.upper(), k) for k in keys]
    width = max((len(v) for v in values if isinstance(v, list)), default=0)
    if width == 0:
        return [{"value": v} for v in values], [("VALUE", "value")]
    rows = [{f"value{i}": x for i, x in enumerate(v if isinstance(v, list) else [v], 1)}
            for v in values]
    return rows, [(f"VALUE{i}", f"value{i}") for i in range(1, width + 1)]


def _yaml(value: Any) -> str:
    import yaml

    return str(yaml.safe_dump(value, sort_keys=False, allow_unicode=True, default_flow_style=False))
