"""Backups of the PostgreSQL database: `python -m core.backup dump [FOLDER]` writes
FOLDER/<UTC time>.dump (pg_dump's custom format; FOLDER defaults to var/backups), and
`python -m core.backup restore FILE TARGET_URL` restores one into the database TARGET_URL names,
which must be new or empty (it is created when missing). Both read the database to dump from
DATABASE_URL. `make backup` and `make restore` call these (docs/operations.md)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import environ
import psycopg2

from core import createdb


def libpq_url(url: str) -> str:
    """django-environ's URL (postgres://, postgresql://, pgsql://) as libpq takes it."""
    params = environ.Env.db_url_config(url)
    if params["ENGINE"] != "django.db.backends.postgresql":
        raise SystemExit(f"backups are for PostgreSQL; DATABASE_URL names {params['ENGINE']}")
    return "postgresql://" + url.split("://", 1)[1]


def dump(url: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{datetime.now(UTC):%Y-%m-%dT%H%M%SZ}.dump"
    partial = path.with_suffix(".partial")
    # Written beside the final name and renamed once complete, so a dump cut short never looks
    # like a backup.
    subprocess.run(  # noqa: S603 - our own arguments, no shell
        ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}", libpq_url(url)],  # noqa: S607
        check=True,
    )
    partial.rename(path)
    return path


def restore(path: Path, target_url: str) -> None:
    if not path.is_file():
        raise SystemExit(f"{path}: no such backup")
    createdb.main(target_url)
    connection = psycopg2.connect(libpq_url(target_url))
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        )
        (tables,) = cursor.fetchone()
    connection.close()
    if tables:
        name = target_url.rsplit("/", 1)[-1]
        raise SystemExit(f"{name}: not empty ({tables} tables); restore into a new database")
    subprocess.run(  # noqa: S603 - our own arguments, no shell
        [
            *("pg_restore", "--no-owner", "--exit-on-error", "--single-transaction"),
            f"--dbname={libpq_url(target_url)}",
            str(path),
        ],
        check=True,
    )


def main(arguments: list[str]) -> None:
    usage = "usage: python -m core.backup dump [FOLDER] | restore FILE TARGET_DATABASE_URL"
    if arguments[:1] == ["dump"] and len(arguments) <= 2:
        url = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is not set")
        folder = Path(arguments[1] if len(arguments) == 2 else "var/backups")
        print(dump(url, folder))
    elif arguments[:1] == ["restore"] and len(arguments) == 3:
        restore(Path(arguments[1]), arguments[2])
        print(f"restored {arguments[1]} into {arguments[2].rsplit('/', 1)[-1]}")
    else:
        sys.exit(usage)


if __name__ == "__main__":
    main(sys.argv[1:])
