"""Create the PostgreSQL database a URL names if missing: `python -m core.createdb [--fresh] URL`
(--fresh drops it first, so it starts empty).

Used by `make bench`, whose benchmarks run in databases of their own, and `make restore`."""

import sys

import environ
import psycopg2
from psycopg2 import sql


def main(url: str, *, fresh: bool = False, create: bool = True) -> None:
    params = environ.Env.db_url_config(url)
    name = params["NAME"]
    connection = psycopg2.connect(
        dbname="postgres",
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
    )
    connection.autocommit = True
    with connection.cursor() as cursor:
        if fresh:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if create and cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def drop(url: str) -> None:
    """Drop the database a URL names, if it exists."""
    main(url, fresh=True, create=False)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    fresh = "--fresh" in arguments
    urls = [a for a in arguments if a != "--fresh"]
    if len(urls) != 1:
        sys.exit("usage: python -m core.createdb [--fresh] postgres://user@host:port/name")
    main(urls[0], fresh=fresh)
