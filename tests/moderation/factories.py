import factory
from django.contrib.contenttypes.models import ContentType

from communities.models import Community
from moderation.models import ModerationAction
from tests.communities.factories import CommunityFactory
from tests.profiles.factories import UserFactory


class ModerationActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ModerationAction

    community = factory.SubFactory(CommunityFactory)
    actor = factory.SubFactory(UserFactory)
    verb = ModerationAction.Verb.ARCHIVE
    target_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Community))
    target_id = factory.LazyAttribute(lambda a: str(a.community.pk))
    target_repr = factory.LazyAttribute(lambda a: a.community.name)
    reason = "Inactive for a year"
