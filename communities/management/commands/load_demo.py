"""Load a small demo: a few people, their posts, communities written for the demo, discussions in
each of them and a proposal to change one's rules.

Everything goes through the services people use, with the rate limits exempt
(core.ratelimit.rate_limits_exempt): the demo people start with their whole hourly allowance, so a
newcomer logged in as one of them can post, start a thread and found a community at once.

Safe to run again: it changes nothing when the demo is already there. It refuses to run with DEBUG
off (a production site) unless given --allow-outside-debug, and then the administrator gets a
random password, printed once, never the documented one.
"""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from communities import services
from communities.models import Community, Membership, Placement, Post, Proposal
from core.ratelimit import rate_limits_exempt
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

COMMUNITIES: list[dict[str, Any]] = [
    {
        "name": "Clay soil drainage",
        "area": "Growing food",
        "purpose": "Growing food on heavy clay: drainage, raised beds, organic matter and what "
        "actually worked, season by season.",
        "tags": ["soil", "clay", "drainage", "gardening"],
        "formed_reason": "3 people posted about waterlogged clay beds, sharing the tags soil "
        "and drainage and the terms 'clay', 'waterlogged', 'raised beds'.",
        "members": [
            ("ada", Membership.Role.OWNER),
            ("maya", Membership.Role.MODERATOR),
            ("alan", Membership.Role.MEMBER),
        ],
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
        "members": [
            ("maya", Membership.Role.OWNER),
            ("ada", Membership.Role.MEMBER),
            ("alan", Membership.Role.MEMBER),
        ],
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

# Discussions: (community, author, title, opening message, [(author, reply), ...]).
THREADS = [
    (
        "Clay soil drainage",
        "ada",
        "Gypsum on clay: has anyone measured a difference?",
        "The garden centre sells gypsum as a clay breaker. Has anyone tried it side by side with a "
        "bed that only got compost? I would like numbers rather than what the bag says.",
        [
            (
                "maya",
                "I spread it on half my plot last winter. By spring I could not tell the halves "
                "apart; the corner that got leaf mould was the one that drained.",
            ),
            (
                "alan",
                "From what I read, gypsum mostly helps sodic clay, and a cheap soil test tells "
                "you whether yours is. I can log both beds with moisture sensors if you try again.",
            ),
            (
                "ada",
                "Yes please, Alan. Two beds in March: one with gypsum, one with compost only, "
                "same crops.",
            ),
        ],
    ),
    (
        "Clay soil drainage",
        "maya",
        "How do you tell when clay is dry enough to dig?",
        "Every spring I either dig too early and make bricks, or wait and miss the sowing window. "
        "What test do you use?",
        [
            (
                "ada",
                "Squeeze a handful. If it smears into a ribbon, leave it; if it crumbles when you "
                "poke it, go ahead.",
            ),
            (
                "alan",
                "On my beds it crumbles below about 30% moisture by the sensor. I will post last "
                "spring's graph here.",
            ),
        ],
    ),
    (
        "Dialing in espresso at home",
        "grace",
        "Share your recipe: dose, yield, time",
        "Let's collect what works on home machines. Mine: 18 g in, 38 g out, 28 seconds, medium "
        "roast, 93 °C.",
        [
            (
                "omar",
                "16 g in a 14 g basket (I know), 32 g out in 25 seconds on an old Gaggia. It got "
                "better when I stopped tamping so hard.",
            ),
            (
                "grace",
                "The overfull basket may be why your shots channel, Omar. Try 14.5 g for a week "
                "and tell us how it tastes.",
            ),
        ],
    ),
    (
        "Hot composting on the allotment",
        "maya",
        "Winter heap: is it worth turning at all?",
        "My heap drops to air temperature from December. Do I keep turning it, or cover it and "
        "wait for spring?",
        [
            (
                "ada",
                "I cover mine with an old carpet and leave it be. Turning it in the cold lets out "
                "what little heat is left.",
            ),
            (
                "alan",
                "My probe says the middle of a covered heap stays around 15 °C all winter; an "
                "uncovered one follows the air.",
            ),
        ],
    ),
    (
        "Pour-over and filter coffee",
        "omar",
        "Does the water really matter that much?",
        "Our tap water is very hard. Someone told me bottled water changed their coffee more than "
        "a new grinder did. Is it worth trying?",
        [
            (
                "grace",
                "Brew the same beans with your tap water and a soft bottled water side by side. "
                "On hard water the difference is big: the tap cup tastes chalky and flat.",
            ),
            (
                "omar",
                "Did it this morning: the bottled cup is much brighter. Now I need a cheaper way "
                "than buying bottles.",
            ),
            ("grace", "A jug filter takes out most of the hardness. Not all, but enough to taste."),
        ],
    ),
]

# A proposal open for the members' votes: (community, author, kind, value, rationale).
PROPOSALS = [
    (
        "Clay soil drainage",
        "maya",
        Proposal.Kind.RULES,
        "When you ask a question, say roughly where you garden and what your soil is like: the "
        "answers depend on it.",
        "Half the advice in our threads only makes sense for one kind of clay.",
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
        # The demo is written in its people's names, but not by them: it uses none of their
        # hourly allowance.
        with rate_limits_exempt():
            self._load()

    def _load(self) -> None:
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
        for community_name, author, title, body, replies in THREADS:
            thread = services.thread_start(
                author=people[author], community=communities[community_name], title=title, body=body
            )
            for replier, text in replies:
                services.thread_reply(author=people[replier], thread=thread, body=text)
        for community_name, author, kind, value, rationale in PROPOSALS:
            services.proposal_open(
                author=people[author],
                community=communities[community_name],
                kind=kind,
                value=value,
                rationale=rationale,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {len(people)} people, {len(POSTS)} posts, {len(communities)} "
                f"communities in {len(areas)} areas and {len(THREADS)} discussions."
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
