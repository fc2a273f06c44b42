"""Create the PostgreSQL database a URL names if missing: `python -m core.createdb URL`.

Used by `make bench`, whose pipeline benchmark runs in a database of its own."""

import sys

import environ
import psycopg2
from psycopg2 import sql


def main(url: str) -> None:
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
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m core.createdb postgres://user@host:port/name")
    main(sys.argv[1])
