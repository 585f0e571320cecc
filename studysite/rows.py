"""Model rows read and written in plain SQL, for the few paths every request
takes (answering a card) where building each statement through the ORM's
compiler costs more than the database does.

The values go through each field's own conversions both ways
(``get_db_prep_save`` on the way in; the backend's and the field's
converters on the way out), so a row read here is the object the ORM would
have built and a row written here is what ``save()`` would have written.
Table and column names come from the models' ``_meta``, never from input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)
Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


def columns(model: type[models.Model], alias: str) -> str:
    """``alias."col", ...`` for every concrete field of ``model``, in order."""
    quote = connections["default"].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def _converters(
    model: type[models.Model], connection: BaseDatabaseWrapper
) -> list[tuple[str, list[Converter], Any]]:
    # Kept on the connection (one per thread): the backend's converters are
    # its own bound methods.
    known: dict[type[models.Model], list[tuple[str, list[Converter], Any]]]
    known = connection.__dict__.setdefault("_studysite_row_converters", {})
    if model not in known:
        found = []
        for field in model._meta.concrete_fields:
            expression = field.get_col(model._meta.db_table)
            converters = connection.ops.get_db_converters(expression)
            converters += field.get_db_converters(connection)  # type: ignore[attr-defined]
            found.append((field.attname, converters, expression))
        known[model] = found
    return known[model]


def build(model: type[M], values: Sequence[Any], *, using: str = "default") -> M:
    """The ``model`` instance for one row of `columns` (``values`` in order)."""
    connection = connections[using]
    names, converted = [], []
    for value, (name, found, expression) in zip(
        values, _converters(model, connection), strict=True
    ):
        for convert in found:
            value = convert(value, expression, connection)
        names.append(name)
        converted.append(value)
    return model.from_db(using, names, converted)


def _prepared(
    model: type[models.Model], values: Mapping[str, Any], connection: Any
) -> tuple[list[str], list[Any]]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names, params = [], []
    for attname, value in values.items():
        field = fields[attname]
        names.append(connection.ops.quote_name(field.column))
        params.append(field.get_db_prep_save(value, connection))
    return names, params


def insert(
    model: type[models.Model], values: Mapping[str, Any], *, using: str = "default"
) -> int:
    """INSERT one row of ``{attname: value}``; its new primary key."""
    connection = connections[using]
    names, params = _prepared(model, values, connection)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    marks = ", ".join(["%s"] * len(params))
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) RETURNING {pk}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


def insert_many(
    model: type[models.Model],
    many: Iterable[Mapping[str, Any]],
    *,
    ignore_conflicts: bool = False,
    using: str = "default",
) -> int:
    """INSERT rows that all name the same fields; ``ignore_conflicts`` skips
    those a unique constraint refuses. Rows written."""
    connection = connections[using]
    prepared = [_prepared(model, values, connection) for values in many]
    if not prepared:
        return 0
    names = prepared[0][0]
    table = connection.ops.quote_name(model._meta.db_table)
    marks = "(" + ", ".join(["%s"] * len(names)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}) VALUES "
        + ", ".join([marks] * len(prepared))
        + (" ON CONFLICT DO NOTHING" if ignore_conflicts else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [param for _names, params in prepared for param in params])
        return int(cursor.rowcount)


def update(
    model: type[models.Model],
    values: Mapping[str, Any],
    *,
    where: Mapping[str, Any],
    increment: Sequence[str] = (),
    using: str = "default",
) -> int:
    """UPDATE the rows matching ``where`` (``{attname: value}``, all equal; a
    list is any of its values) to ``values``, adding 1 to each field named in
    ``increment``. Rows written."""
    connection = connections[using]
    quote = connection.ops.quote_name
    fields = {f.attname: f for f in model._meta.concrete_fields}
    names, params = _prepared(model, values, connection)
    sets = [f"{name} = %s" for name in names]
    sets += [
        f"{quote(fields[n].column)} = {quote(fields[n].column)} + 1" for n in increment
    ]
    conditions, key_params = [], []
    for attname, value in where.items():
        field, column = fields[attname], quote(fields[attname].column)
        if isinstance(value, list | tuple):
            conditions.append(f"{column} IN ({', '.join(['%s'] * len(value))})")
            key_params += [field.get_db_prep_save(v, connection) for v in value]
        else:
            conditions.append(f"{column} = %s")
            key_params.append(field.get_db_prep_save(value, connection))
    table = quote(model._meta.db_table)
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {' AND '.join(conditions)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *key_params])
        return int(cursor.rowcount)


def fetch(
    sql: str, params: Iterable[Any], *, using: str = "default"
) -> list[tuple[Any, ...]]:
    """The rows of one statement (``%s`` placeholders), as tuples."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())
