"""Writing a run's rows by difference: what is already stored as wanted is left alone.

A full run finds about eleven peers and a few community fits for every post; most of them are what
the last run stored. :func:`rows_sync` compares what is wanted with what is stored, a batch of posts
at a time, deletes the rows no longer wanted and upserts only the new or changed ones (COPY and
``INSERT ... ON CONFLICT DO UPDATE`` on PostgreSQL for large batches, ``bulk_create`` with
``update_conflicts`` otherwise). A second run over the same posts writes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

BATCH_POSTS = 5000
# Scores are shown with two decimals: a change smaller than this is not worth a write.
SCORE_TOLERANCE = 0.005


@dataclass
class RowCounts:
    """Rows a sync wrote (inserted or updated) and deleted."""

    written: int = 0
    deleted: int = 0

    def add(self, other: RowCounts) -> None:
        self.written += other.written
        self.deleted += other.deleted


@dataclass(frozen=True)
class RowShape:
    """Which rows of ``model`` a sync owns and compares: one row per (owner, other) pair, the
    ``fields`` compared and written (``score_field`` compared within SCORE_TOLERANCE), and never
    a row a person declined."""

    model: type[models.Model]
    owner: str  # e.g. "post_id"
    other: str  # e.g. "peer_id"
    fields: tuple[str, ...]
    score_field: str


def _same(stored: dict[str, Any], row: dict[str, Any], shape: RowShape) -> bool:
    for name in shape.fields:
        old, new = stored[name], row[name]
        if name == shape.score_field:
            if old is None or abs(float(old) - float(new)) > SCORE_TOLERANCE:
                return False
        elif old != new:
            return False
    return True


def rows_sync(
    shape: RowShape, owners: Sequence[int], wanted: Sequence[dict[str, Any]]
) -> RowCounts:
    """Make the undeclined rows of ``owners`` exactly ``wanted`` (dicts with the owner, the other
    and every field of ``shape``): rows not wanted are deleted, missing or changed ones upserted,
    identical ones not touched. Dismissed rows stay as they are and are never written again.
    Safe to run twice: the second call writes nothing. On PostgreSQL, large batches are compared
    in the database (:func:`_sync_in_postgres`), small ones (a post being matched) here."""
    by_owner: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in wanted:
        by_owner[int(row[shape.owner])].append(row)
    done = RowCounts()
    ordered = sorted(set(owners) | set(by_owner))
    for start in range(0, len(ordered), BATCH_POSTS):
        batch = ordered[start : start + BATCH_POSTS]
        rows = _first_of_each_pair(shape, batch, by_owner)
        if connection.vendor == "postgresql" and len(rows) >= 1000:
            done.add(_sync_in_postgres(shape, batch, rows))
        else:
            done.add(_sync_here(shape, batch, rows))
    return done


def _first_of_each_pair(
    shape: RowShape, batch: Sequence[int], by_owner: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The batch's wanted rows, once per (owner, other) pair: the first (best) one counts."""
    rows, keys = [], set()
    for owner in batch:
        for row in by_owner.get(owner, ()):
            key = (owner, int(row[shape.other]))
            if key not in keys:
                keys.add(key)
                rows.append(row)
    return rows


def _sync_here(shape: RowShape, batch: Sequence[int], rows: Sequence[dict[str, Any]]) -> RowCounts:
    """:func:`rows_sync` for one batch, compared in Python."""
    stored = {
        (row[shape.owner], row[shape.other]): row
        for row in shape.model._default_manager.filter(**{f"{shape.owner}__in": batch}).values(
            "pk", "declined", shape.owner, shape.other, *shape.fields
        )
    }
    keys = {(int(row[shape.owner]), int(row[shape.other])) for row in rows}
    changed = [
        row
        for row in rows
        if (old := stored.get((int(row[shape.owner]), int(row[shape.other])))) is None
        or not (old["declined"] or _same(old, row, shape))
    ]
    stale = [r["pk"] for key, r in stored.items() if key not in keys and not r["declined"]]
    for i in range(0, len(stale), BATCH_POSTS):
        shape.model._default_manager.filter(pk__in=stale[i : i + BATCH_POSTS]).delete()
    upsert_many(shape, changed)
    return RowCounts(written=len(changed), deleted=len(stale))


def _sync_in_postgres(
    shape: RowShape, batch: Sequence[int], rows: Sequence[dict[str, Any]]
) -> RowCounts:
    """:func:`rows_sync` for one batch, compared in PostgreSQL: the wanted rows are copied into a
    temporary table, then one DELETE drops the stored rows not among them and one ``INSERT ...
    ON CONFLICT DO UPDATE ... WHERE`` writes only the rows that are new or changed (a score by
    more than SCORE_TOLERANCE), never a declined one. No stored row is read into Python."""
    with connection.cursor() as cursor:
        table, temp, names, columns = _copy_into_temp(cursor, shape, rows)
        owner, other = columns[0], columns[1]
        cursor.execute(
            f'DELETE FROM "{table}" AS t WHERE t."{owner}" = ANY(%s) '  # noqa: S608
            f'AND NOT t."declined" AND NOT EXISTS (SELECT 1 FROM "{temp}" AS w '
            f'WHERE w."{owner}" = t."{owner}" AND w."{other}" = t."{other}")',
            [list(batch)],
        )
        deleted = cursor.rowcount
        changed = " OR ".join(
            f'abs(t."{c}" - EXCLUDED."{c}") > {SCORE_TOLERANCE} OR t."{c}" IS NULL'
            if name == shape.score_field
            else f't."{c}" IS DISTINCT FROM EXCLUDED."{c}"'
            for name, c in zip(names[2:], columns[2:], strict=True)
        )
        updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns[2:])
        column_list = _column_list(columns)
        cursor.execute(
            f'INSERT INTO "{table}" AS t ({column_list}) SELECT {column_list} '  # noqa: S608
            f'FROM "{temp}" ON CONFLICT ("{owner}", "{other}") DO UPDATE SET {updates} '
            f'WHERE NOT t."declined" AND ({changed})'
        )
        written = cursor.rowcount
        cursor.execute(f'DROP TABLE "{temp}"')
    return RowCounts(written=written, deleted=deleted)


def _column_list(columns: Sequence[str]) -> str:
    return ", ".join(f'"{c}"' for c in [*columns, "declined", "created_at"])


def _copy_into_temp(
    cursor: Any, shape: RowShape, rows: Sequence[dict[str, Any]]
) -> tuple[str, str, list[str], list[str]]:
    """COPY ``rows`` into a temporary table shaped like the model's (dropped at commit at the
    latest). Returns the table, the temporary table, the field names and their columns."""
    model = shape.model
    names = [shape.owner, shape.other, *shape.fields]
    columns = [str(model._meta.get_field(name).column) for name in names]  # type: ignore[union-attr]
    now = timezone.now().isoformat()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        values = [row[name] for name in names]
        writer.writerow([json.dumps(v) if isinstance(v, list) else v for v in values] + ["f", now])
    buffer.seek(0)
    table = model._meta.db_table
    temp = f"tmp_{table}"
    column_list = _column_list(columns)
    cursor.execute(
        f'CREATE TEMPORARY TABLE "{temp}" ON COMMIT DROP AS '  # noqa: S608
        f'SELECT {column_list} FROM "{table}" WITH NO DATA'
    )
    cursor.copy_expert(f'COPY "{temp}" ({column_list}) FROM STDIN WITH (FORMAT csv)', buffer)
    return table, temp, names, columns


def upsert_many(shape: RowShape, rows: Sequence[dict[str, Any]]) -> None:
    """Insert these rows, or update the fields of the row of the same pair (a declined row keeps
    being declined). On PostgreSQL, from a thousand rows, COPY into a temporary table and one
    ``INSERT ... ON CONFLICT DO UPDATE``: a first run writes a million suggestions, an order of
    magnitude faster than batched INSERTs of model instances."""
    if not rows:
        return
    model = shape.model
    if connection.vendor != "postgresql" or len(rows) < 1000:
        model._default_manager.bulk_create(
            [model(**row) for row in rows],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=[shape.owner.removesuffix("_id"), shape.other.removesuffix("_id")],
            update_fields=list(shape.fields),
        )
        return
    with connection.cursor() as cursor:
        table, temp, _, columns = _copy_into_temp(cursor, shape, rows)
        column_list = _column_list(columns)
        updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns[2:])
        cursor.execute(
            f'INSERT INTO "{table}" ({column_list}) SELECT {column_list} '  # noqa: S608
            f'FROM "{temp}" ON CONFLICT ("{columns[0]}", "{columns[1]}") '
            f"DO UPDATE SET {updates}"
        )
        cursor.execute(f'DROP TABLE "{temp}"')
