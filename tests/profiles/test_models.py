import pytest
from django.db import IntegrityError, transaction

from communities.services import profile_update_with_interests
from profiles.models import User
from tests.profiles.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_email_is_unique_whatever_its_case():
    UserFactory(email="ada@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="ada2", email="ADA@example.org")
    User.objects.create(username="no-email-1", email="")
    User.objects.create(username="no-email-2", email="")


def test_profile_update_sets_interests_and_discoverability():
    user = UserFactory()
    profile = profile_update_with_interests(
        user=user, display_name=" Ada ", interests=["Clay Soil", "coffee"], discoverable=False
    )
    assert profile.display_name == "Ada"
    assert sorted(profile.interests.values_list("slug", flat=True)) == ["clay-soil", "coffee"]
    assert not profile.discoverable
    assert User.objects.get(pk=user.pk).public_name == "Ada"
