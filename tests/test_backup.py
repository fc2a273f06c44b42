"""`make backup` / `make restore`: a dump restored into a new database holds every table, row
for row (counts and checksums compared table by table), and a restore never writes over a
database that has tables."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg2
import pytest
from django.db import connection

from communities.models import Post
from core import backup, createdb
from tests.communities.factories import CommunityFactory, MembershipFactory, PostFactory
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{name}"


def _tables(url: str) -> dict[str, tuple[int, str]]:
    """Every table of the public schema: its row count and a checksum of all its rows."""
    conn = psycopg2.connect(backup.libpq_url(url))
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
            )
            names = [name for (name,) in cursor.fetchall()]
            result = {}
            for name in names:
                cursor.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, chr(10) ORDER BY t::text), '')) FROM \"{name}\" t"  # noqa: E501
                )
                result[name] = cursor.fetchone()
            return result
    finally:
        conn.close()


@pytest.fixture
def restored_url():
    url = _url(connection.settings_dict["NAME"] + "_restored")
    createdb.main(url, fresh=True)
    yield url
    createdb.drop(url)


def test_a_backup_restores_every_table_row_for_row(tmp_path, restored_url):
    community = CommunityFactory(slug="kilns")
    MembershipFactory(community=community, user=UserFactory(username="grace"))
    for title in ("Crazing on mugs", "Glaze crawling", "Kiln wash flaking"):
        PostFactory(title=title)
    source = _url(connection.settings_dict["NAME"])
    connection.close()  # pg_dump sees what is committed; nothing is held open meanwhile

    dumped = subprocess.run(
        [sys.executable, "-m", "core.backup", "dump", str(tmp_path)],
        env={**os.environ, "DATABASE_URL": source},
        capture_output=True,
        text=True,
        check=True,
    )
    path = tmp_path / dumped.stdout.strip().rsplit("/", 1)[-1]
    assert path.suffix == ".dump" and path.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))
    subprocess.run(
        [sys.executable, "-m", "core.backup", "restore", str(path), restored_url],
        capture_output=True,
        text=True,
        check=True,
    )

    before, after = _tables(source), _tables(restored_url)
    assert set(after) == set(before)
    assert after == before
    assert before["communities_post"][0] == Post.objects.count() == 3


def test_a_restore_refuses_a_database_that_has_tables(tmp_path):
    path = backup.dump(_url(connection.settings_dict["NAME"]), tmp_path)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "core.backup",
            "restore",
            str(path),
            _url(connection.settings_dict["NAME"]),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "not empty" in result.stderr
