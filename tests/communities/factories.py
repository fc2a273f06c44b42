import factory
from django.utils import timezone

from communities.models import Area, Community, Membership, Placement, Post, Tag
from tests.profiles.factories import UserFactory


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"topic {n}")
    slug = factory.LazyAttribute(lambda tag: Tag.normalize(tag.name))


class PostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Post
        skip_postgeneration_save = True

    author = factory.SubFactory(UserFactory)
    kind = Post.Kind.PROBLEM
    title = factory.Faker("sentence", nb_words=6)
    body = factory.Faker("paragraph")

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    name = factory.Sequence(lambda n: f"Area {n}")
    slug = factory.LazyAttribute(lambda a: a.name.lower().replace(" ", "-"))


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Community {n}")
    slug = factory.LazyAttribute(lambda c: c.name.lower().replace(" ", "-"))
    purpose = factory.Faker("paragraph")
    status = Community.Status.ACTIVE
    activated_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    community = factory.SubFactory(CommunityFactory)


class PlacementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Placement

    post = factory.SubFactory(PostFactory)
    community = factory.SubFactory(CommunityFactory)
    placed_by = Placement.PlacedBy.MATCHER
    score = 0.8
