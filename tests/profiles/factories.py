from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

from profiles.models import ApiToken, Profile, User
from profiles.services import token_create

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password(DEFAULT_PASSWORD)
    profile = factory.RelatedFactory("tests.profiles.factories.ProfileFactory", "user")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory, profile=None)
    display_name = factory.Faker("name")
    discoverable = True


def api_token_key(user: User, key: str = "", name: str = "Test token") -> str:
    """An API token for ``user``, as ``POST /api/auth/token/`` makes one; returns its key. A
    given ``key`` is used as it is (the fuzzers send the same key in every test)."""
    if not key:
        return token_create(actor=user, name=name)[1]
    ApiToken(
        digest=hash_token(key),
        token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
        user=user,
        name=name,
        expiry=timezone.now() + timedelta(days=1),
    ).save()
    return key


def person_in_standing(*, days: float = 60, verified: bool = True, **kwargs) -> User:
    """Someone who joined ``days`` ago, with a verified email address unless told otherwise."""
    user = UserFactory(**kwargs)
    user.date_joined = timezone.now() - timedelta(days=days)
    user.save(update_fields=["date_joined"])
    EmailAddress.objects.create(user=user, email=user.email, verified=verified, primary=True)
    return user
