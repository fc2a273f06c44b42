import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from matching.models import MatchRun

pytestmark = pytest.mark.django_db


def test_two_runs_never_run_at_once():
    MatchRun.objects.create(status=MatchRun.Status.RUNNING, started_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchRun.objects.create(status=MatchRun.Status.RUNNING, started_at=timezone.now())
    MatchRun.objects.create(status=MatchRun.Status.QUEUED)


def test_progress_is_a_percentage_and_runs_finish_after_they_start():
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchRun.objects.create(progress=101)
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchRun.objects.create(
            started_at=timezone.now(), finished_at=timezone.now() - timezone.timedelta(hours=1)
        )
