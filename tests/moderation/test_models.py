"""The moderation log is append-only in PostgreSQL (the trigger of communities/migrations/0003
stays on the table the model keeps), and keeps the communities it mentions."""

import pytest
from django.db import InternalError, transaction

from moderation.models import ModerationAction
from tests.moderation.factories import ModerationActionFactory

pytestmark = pytest.mark.django_db


def test_the_moderation_log_refuses_edits_and_deletes():
    action = ModerationActionFactory()
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        ModerationAction.objects.filter(pk=action.pk).update(reason="nothing happened")
    with pytest.raises(InternalError, match="append-only"), transaction.atomic():
        ModerationAction.objects.filter(pk=action.pk).delete()
    action.refresh_from_db()
    assert action.reason == "Inactive for a year"


def test_a_community_with_a_moderation_history_cannot_be_deleted():
    action = ModerationActionFactory()
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        action.community.delete()
