"""Load a small demo: a few people, their posts, and communities written for the demo.

Safe to run again: it changes nothing when the demo is already there. It refuses to run with DEBUG
off (a production site) unless given --allow-outside-debug, and then the administrator gets a
random password, printed once, never the documented one.
"""

import secrets

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from communities import services
from communities.models import Community, Membership, Placement, Post
from profiles.models import User
from profiles.services import profile_update

DEMO_PASSWORD = "kindred-demo"  # noqa: S105 - documented demo credentials
ADMIN_PASSWORD = "kindred-admin"  # noqa: S105

PEOPLE = [
    ("ada", "Ada", "Market gardener on heavy clay. Builds her own sensors.", ["gardening", "soil"]),
    ("grace", "Grace", "Retired engineer, keen home cook and coffee nerd.", ["coffee", "cooking"]),
    (
        "alan",
        "Alan",
        "Tinkers with Raspberry Pis and home automation.",
        ["raspberry-pi", "gardening"],
    ),
    (
        "maya",
        "Maya",
        "Allotment holder, first year with a waterlogged plot.",
        ["soil", "composting"],
    ),
    ("omar", "Omar", "Espresso at home, on a budget.", ["coffee"]),
]

AREAS = {
    "Growing food": "Gardens, allotments and the soil under them.",
    "Coffee at home": "Brewing better coffee in your own kitchen.",
}

COMMUNITIES = [
    {
        "name": "Clay soil drainage",
        "area": "Growing food",
        "purpose": "Growing food on heavy clay: drainage, raised beds, organic matter and what "
        "actually worked, season by season.",
        "tags": ["soil", "clay", "drainage", "gardening"],
        "formed_reason": "3 people posted about waterlogged clay beds, sharing the tags soil "
        "and drainage and the terms 'clay', 'waterlogged', 'raised beds'.",
        "members": [("ada", Membership.Role.OWNER), ("maya", Membership.Role.MODERATOR)],
    },
    {
        "name": "Dialing in espresso at home",
        "area": "Coffee at home",
        "purpose": "Grind size, dose, ratio and temperature: getting good espresso from home "
        "machines without a café budget.",
        "tags": ["coffee", "espresso"],
        "formed_reason": "3 people asked why their shots run sour or bitter, sharing the tags "
        "coffee and espresso.",
        "members": [("grace", Membership.Role.OWNER), ("omar", Membership.Role.MEMBER)],
    },
    {
        "name": "Hot composting on the allotment",
        "area": "Growing food",
        "purpose": "Keeping a compost heap hot, fast and free of rats on a shared plot: what "
        "goes in, how to turn it, and bins that work.",
        "tags": ["composting", "allotment"],
        "formed_reason": "3 people asked how to keep an allotment compost heap hot and "
        "rodent-free, sharing the tags composting and allotment.",
        "members": [("maya", Membership.Role.OWNER), ("ada", Membership.Role.MEMBER)],
    },
    {
        "name": "Pour-over and filter coffee",
        "area": "Coffee at home",
        "purpose": "Pour-over, AeroPress and batch brew at home: grind, water, pouring and "
        "why a cup tastes flat or harsh.",
        "tags": ["coffee", "pour-over"],
        "formed_reason": "3 people asked why their filter coffee tastes flat or bitter, sharing "
        "the tags coffee and pour-over.",
        "members": [("omar", Membership.Role.OWNER), ("grace", Membership.Role.MEMBER)],
    },
]

POSTS = [
    (
        "ada",
        "Raised beds on clay still waterlogged after rain",
        "My raised beds sit on heavy clay and stay soggy for days after rain. I added compost "
        "last autumn. Would a gravel layer or a French drain help?",
        ["soil", "clay", "drainage"],
        "Clay soil drainage",
    ),
    (
        "maya",
        "First allotment is a swamp every winter",
        "Water pools on my plot from November to March. The soil is sticky grey clay. "
        "What do people do before planting?",
        ["soil", "drainage", "allotment"],
        "Clay soil drainage",
    ),
    (
        "alan",
        "Soil moisture sensors to decide when clay beds can be worked",
        "I want to log soil moisture in clay beds with a Raspberry Pi so I know when the ground "
        "is dry enough to dig without ruining the structure.",
        ["soil", "raspberry-pi", "clay"],
        "Clay soil drainage",
    ),
    (
        "grace",
        "Espresso shots run sour even with a fine grind",
        "18 g in, 36 g out in 20 seconds, and it tastes sour. Grinding finer chokes the machine. "
        "Is my temperature too low?",
        ["coffee", "espresso"],
        "Dialing in espresso at home",
    ),
    (
        "omar",
        "Budget grinder for espresso: is it worth it?",
        "My pressurised basket hides everything. Which entry grinder can really go fine enough "
        "for an unpressurised basket?",
        ["coffee", "espresso", "grinder"],
        "Dialing in espresso at home",
    ),
    (
        "ada",
        "Bitter espresso after switching to a dark roast",
        "Same recipe, new dark roast beans, now it is harsh and bitter. Shorter ratio? "
        "Lower temperature?",
        ["coffee", "espresso"],
        "Dialing in espresso at home",
    ),
    (
        "alan",
        "Home Assistant keeps losing my Zigbee sensors",
        "Every few days a handful of Zigbee temperature sensors drop off. The coordinator is a USB "
        "stick on a Raspberry Pi 4.",
        ["raspberry-pi", "home-automation", "zigbee"],
        None,
    ),
    (
        "maya",
        "Composting kitchen scraps without attracting rats",
        "The allotment rules say no rats. What bins and habits keep a compost heap hot and "
        "rodent-free?",
        ["composting", "allotment"],
        "Hot composting on the allotment",
    ),
    (
        "ada",
        "Compost heap never heats up",
        "I pile grass clippings and leaves in a pallet bin but the heap stays cold for months. "
        "More greens? Should I turn it every week?",
        ["composting", "allotment"],
        "Hot composting on the allotment",
    ),
    (
        "alan",
        "Logging compost temperature with a probe",
        "I put a waterproof temperature probe in our allotment compost heap to see when it is "
        "hot enough to kill weed seeds. How hot should it get, and for how long?",
        ["composting", "raspberry-pi"],
        "Hot composting on the allotment",
    ),
    (
        "omar",
        "Pour-over tastes flat and papery",
        "V60, 15 g of coffee to 250 g of water, fresh beans, but the cup is flat and tastes of "
        "paper. Should I rinse the filter? Grind finer?",
        ["coffee", "pour-over"],
        "Pour-over and filter coffee",
    ),
    (
        "grace",
        "AeroPress or V60 for a first filter brewer?",
        "I only make espresso and want to try filter coffee at the weekend. Which brewer "
        "forgives a beginner's pouring?",
        ["coffee", "pour-over", "aeropress"],
        "Pour-over and filter coffee",
    ),
    (
        "maya",
        "Bitter batch brew from a drip machine",
        "Our drip coffee machine makes a bitter pot however much coffee I use. Is the water too "
        "hot, or is it the grind from the supermarket?",
        ["coffee", "filter"],
        "Pour-over and filter coffee",
    ),
]


class Command(BaseCommand):
    help = "Load a small demo of people, posts and communities (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-outside-debug",
            action="store_true",
            help="load the demo although DEBUG is off (the admin then gets a random password)",
        )

    @transaction.atomic
    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_outside_debug"]:
            raise CommandError(
                "load_demo adds people with published passwords: it runs only with DEBUG on "
                "(`make run`). Pass --allow-outside-debug to load it anyway."
            )
        if User.objects.filter(username="ada").exists():
            self.stdout.write("Demo already loaded.")
            return
        password = ADMIN_PASSWORD if settings.DEBUG else secrets.token_urlsafe(18)
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={
                "email": "admin@example.org",
                "is_staff": True,
                "is_superuser": True,
                "password": make_password(password),
            },
        )
        if created and not settings.DEBUG:
            self.stdout.write(f"Administrator 'admin' created with password: {password}")
        profile_update(user=admin, display_name="Site admin")
        people = _load_people()

        areas = {
            name: services.area_create(name=name, description=text) for name, text in AREAS.items()
        }
        communities = {}
        for spec in COMMUNITIES:
            owner = next(people[u] for u, role in spec["members"] if role == Membership.Role.OWNER)
            community = services.community_found(
                founder=owner, name=spec["name"], purpose=spec["purpose"], tags=spec["tags"]
            )
            # The demo's communities stand for ones the matcher formed and people already run:
            # live from the start, not proposed communities gathering members.
            now = timezone.now()
            Community.objects.filter(pk=community.pk).update(
                origin=Community.Origin.MATCHER,
                formed_reason=spec["formed_reason"],
                area=areas[spec["area"]],
                status=Community.Status.ACTIVE,
                activated_at=now,
                proposed_until=None,
            )
            community.refresh_from_db()
            for username, role in spec["members"]:
                membership = services.community_join(user=people[username], community=community)
                if role != membership.role:
                    Membership.objects.filter(pk=membership.pk).update(role=role)
            communities[spec["name"]] = community

        for username, title, body, tags, community_name in POSTS:
            post = services.post_create(
                author=people[username], title=title, body=body, tags=tags, kind=Post.Kind.PROBLEM
            )
            if community_name:
                Placement.objects.create(
                    post=post,
                    community=communities[community_name],
                    placed_by=Placement.PlacedBy.MATCHER,
                    score=0.8,
                    reason="Shares the community's tags: " + ", ".join(tags[:2]),
                )
        Community.objects.update(last_activity_at=timezone.now())
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(people)} people, {len(POSTS)} posts and {len(communities)} "
                f"communities in {len(areas)} areas."
            )
        )


def _load_people() -> dict[str, User]:
    """The demo people, by username, with their profiles and interests."""
    people = {}
    for username, display_name, bio, interests in PEOPLE:
        user = User.objects.create(
            username=username,
            email=f"{username}@example.org",
            password=make_password(DEMO_PASSWORD),
        )
        services.profile_update_with_interests(
            user=user,
            display_name=display_name,
            bio=bio,
            interests=interests,
            discoverable=True,
        )
        people[username] = user
    return people
