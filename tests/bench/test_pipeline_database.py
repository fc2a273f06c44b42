"""``python -m bench.pipeline`` empties the database it runs on: only one made for benchmarks
(its name starts with kindred_bench) or one it is told to empty, and never beside real accounts
unless forced."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import pipeline
from profiles.models import User
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_it_refuses_a_database_not_made_for_benchmarks_and_leaves_it_as_it_was(tmp_path):
    person = UserFactory()
    dataset = tmp_path / "posts.jsonl"
    dataset.write_text('{"id": 1, "title": "Sourdough starter", "label": "bread"}\n')
    with pytest.raises(SystemExit) as refused:
        pipeline.main([str(dataset), "--force"])
    message = str(refused.value)
    assert connection.settings_dict["NAME"] in message
    assert "kindred_bench" in message and "--yes-empty-database" in message
    assert User.objects.filter(pk=person.pk).exists()


def test_a_benchmark_database_may_be_emptied(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "NAME", "kindred_bench_pipeline")
    pipeline.check_database(force=False, yes_empty_database=False)


def test_the_flag_allows_another_database():
    pipeline.check_database(force=False, yes_empty_database=True)


def test_real_accounts_still_need_force():
    UserFactory()
    with pytest.raises(SystemExit, match="real accounts"):
        pipeline.check_database(force=False, yes_empty_database=True)
    pipeline.check_database(force=True, yes_empty_database=True)
