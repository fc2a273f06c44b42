"""Reports: anyone signed in flags content or a community, with a reason; reports of enough weight
hide the content until a moderator decides; a moderator upholds or dismisses them.

A report weighs what its reporter's standing says (``reporter_weights``): nothing for an account
younger than a day or without a verified email address, more for an established account, more
again for reports moderators upheld before, less for reports they dismissed. So a handful of
accounts made minutes ago cannot hide anyone's post; the reports still reach the moderators.

Each service checks permission first (a private community answers 404 to outsiders, 403 to people
who see it but may not act), runs in one transaction, and is safe to repeat.
"""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from communities.models import Community, ContentStatus, Placement, Post, Reply, Thread
from communities.selectors import post_visibility_filter
from core.ratelimit import rate_limit
from moderation.models import REPORT_TARGETS, Report, Reportable
from moderation.permissions import (
    check_moderate_content,
    check_report_in_community,
    check_view_community,
)
from moderation.services.communities import community_archive_upheld
from moderation.services.discussions import thread_or_reply_remove_upheld
from moderation.services.log import Verb, clean_reason, log_write, tell, with_reason
from moderation.services.posts import post_remove_upheld
from profiles.models import Message, User
from profiles.selectors import message_visible_to
from profiles.services import message_remove_upheld, message_restore


def report_scope(target: Reportable, community: Community | None = None) -> Community | None:
    """The community whose moderators decide a report on ``target`` (None: site staff). People
    and direct messages are site staff's: they belong to no community."""
    if isinstance(target, Community | User | Message):
        return None
    if isinstance(target, Thread):
        return target.community
    if isinstance(target, Reply):
        return target.thread.community if target.thread is not None else None
    if (
        community is not None
        and Placement.objects.filter(post=target, community=community).exists()
    ):
        return community
    return None


def report_target_visible(viewer: User | AnonymousUser, target: Reportable) -> bool:
    """Whether the viewer may see the target, and so report it or see the page to report it.
    A reply counts as hidden with its post or discussion. Communities: check_view_community.
    A direct message is seen by the two people in its conversation (and staff); a person while
    their account exists."""
    if isinstance(target, User):
        return target.is_active
    if isinstance(target, Message):
        return message_visible_to(viewer=viewer, message=target)  # type: ignore[arg-type]
    if isinstance(target, Post):
        return Post.objects.filter(post_visibility_filter(viewer), pk=target.pk).exists()
    if isinstance(target, Thread | Reply):
        if viewer.is_staff:
            return True
        if target.status != ContentStatus.VISIBLE:
            return False
    if isinstance(target, Reply):
        parent: Post | Thread | None = target.post or target.thread
        return parent is None or report_target_visible(viewer, parent)
    return True


def _check_report(reporter: User, target: Reportable, scope: Community | None) -> None:
    check_report_in_community(reporter, scope)
    if isinstance(target, Community):
        check_view_community(reporter, target)
    if not report_target_visible(reporter, target):
        raise Http404("Nothing to report here.")


@transaction.atomic
def report_create(
    *, reporter: User, target: Reportable, reason: str, community: Community | None = None
) -> Report:
    """Report a post, reply, discussion or community, with a reason. Rate-limited per reporter
    (core.ratelimit, action "report"; a repeat counts too). Once per person and target: a repeat
    returns the first report. When the pending reports weigh KINDRED_REPORT_WEIGHT_TO_HIDE
    together, from at least KINDRED_REPORTS_TO_HIDE people whose reports weigh anything
    (``reporter_weights``), the content is hidden until a moderator decides (communities are
    not hidden: they go to staff)."""
    scope = report_scope(target, community)
    _check_report(reporter, target, scope)
    rate_limit(action="report", user=reporter)
    reason = clean_reason(reason)
    content_type = ContentType.objects.get_for_model(type(target))
    existing = Report.objects.filter(
        reporter=reporter, target_type=content_type, target_id=target.pk
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=reporter,
                community=scope,
                target_type=content_type,
                target_id=target.pk,
                reason=reason,
            )
    except IntegrityError:  # the same person, twice at once
        return Report.objects.get(reporter=reporter, target_type=content_type, target_id=target.pk)
    if not isinstance(target, Post | Reply | Thread):  # communities, people, messages go to staff
        return report
    reporters = Report.objects.filter(
        target_type=content_type, target_id=target.pk, decision=Report.Decision.PENDING
    ).values_list("reporter", flat=True)
    weights = [w for w in reporter_weights(set(reporters)).values() if w > 0]
    if (
        len(weights) >= settings.KINDRED_REPORTS_TO_HIDE
        and sum(weights) >= settings.KINDRED_REPORT_WEIGHT_TO_HIDE
    ):
        _hide_reported(target, scope, len(weights))
    return report


def reporter_weights(reporter_ids: set[int]) -> dict[int, float]:
    """What a report by each of these people weighs (KINDRED_REPORT_WEIGHTS): 0 for an account
    younger than ``min_age_days``, without a verified email address, or inactive; else ``new``,
    or ``established`` from ``established_days``; plus ``per_upheld`` for each of their reports
    moderators upheld (at most ``max_bonus``), less ``per_dismissed`` for each they dismissed,
    never below 0."""
    rules = settings.KINDRED_REPORT_WEIGHTS
    now = timezone.now()
    people = User.objects.filter(pk__in=reporter_ids).annotate(
        verified=Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)),
        upheld=Count("reports", filter=Q(reports__decision=Report.Decision.UPHELD)),
        dismissed=Count("reports", filter=Q(reports__decision=Report.Decision.DISMISSED)),
    )
    weights: dict[int, float] = {}
    for person in people:
        age_days = (now - person.date_joined).total_seconds() / 86400
        if not person.is_active or not person.verified or age_days < rules["min_age_days"]:
            weights[person.pk] = 0.0
            continue
        base = rules["established"] if age_days >= rules["established_days"] else rules["new"]
        bonus = min(person.upheld * rules["per_upheld"], rules["max_bonus"])
        weights[person.pk] = max(0.0, base + bonus - person.dismissed * rules["per_dismissed"])
    return weights


def _hide_reported(target: Post | Reply | Thread, scope: Community | None, count: int) -> None:
    model = type(target)
    field = "moderation_status" if isinstance(target, Post) else "status"
    hidden = model.objects.filter(pk=target.pk, **{field: ContentStatus.VISIBLE}).update(
        **{field: ContentStatus.HIDDEN}
    )
    if hidden:
        log_write(
            community=scope,
            actor=None,
            verb=Verb.HIDE,
            target=target,
            target_repr=getattr(target, "title", None) or str(target),
            reason=f"Reported by {count} people in good standing; hidden until a moderator "
            "decides.",
        )


def report_target(report: Report) -> Reportable | None:
    """What the report is about, or None when it is gone."""
    model = report.target_type.model_class()
    if model is None or model not in REPORT_TARGETS.values():
        return None
    return model._default_manager.filter(pk=report.target_id).first()  # type: ignore[return-value]


@transaction.atomic
def report_decide(*, actor: User, report: Report, uphold: bool, reason: str) -> Report:
    """Decide a report, and with it every pending report on the same content in the same place.
    Upholding removes the content (a post leaves the community; on a site-wide report, it is
    removed everywhere; a community reported to staff is archived); dismissing shows hidden
    content again. The author hears the reason. Safe to repeat: a decided report is returned."""
    scope = report.community
    check_moderate_content(actor, scope)
    reason = clean_reason(reason, required=uphold)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.decision != Report.Decision.PENDING:
        return report
    target = report_target(report)
    siblings = Report.objects.filter(
        target_type=report.target_type,
        target_id=report.target_id,
        community=scope,
        decision=Report.Decision.PENDING,
    )
    decision = Report.Decision.UPHELD if uphold else Report.Decision.DISMISSED
    count = siblings.update(decision=decision, decided_by=actor, decided_at=timezone.now())
    if isinstance(target, Community):
        if uphold:
            community_archive_upheld(actor=actor, community=target, reason=reason)
    elif isinstance(target, Message):
        _decide_message(actor=actor, message=target, uphold=uphold, reason=reason)
    elif isinstance(target, User):
        pass  # upholding a report on a person is recorded; a ban is its own action (people.py)
    elif isinstance(target, Post) and uphold:
        post_remove_upheld(actor=actor, post=target, scope=scope, reason=reason)
    elif isinstance(target, Thread | Reply) and uphold:
        thread_or_reply_remove_upheld(actor=actor, target=target, reason=reason)
    elif target is not None:
        _content_unhide(target)
    log_write(
        community=scope,
        actor=actor,
        verb=Verb.UPHOLD_REPORT if uphold else Verb.DISMISS_REPORT,
        target=target if target is not None else report,
        target_repr=_describe(target) if target is not None else str(report),
        reason=reason,
        details={"reports": count, "first_reason": report.reason[:500]},
    )
    report.refresh_from_db()
    return report


def _content_unhide(target: Post | Thread | Reply) -> None:
    """Show content that reports hid again (a dismissed report); removed content stays removed."""
    if isinstance(target, Post):
        Post.objects.filter(pk=target.pk, moderation_status=ContentStatus.HIDDEN).update(
            moderation_status=ContentStatus.VISIBLE
        )
    else:
        type(target).objects.filter(pk=target.pk, status=ContentStatus.HIDDEN).update(
            status=ContentStatus.VISIBLE
        )


def _describe(target: Reportable) -> str:
    if isinstance(target, Message):
        return f"a message from {target.sender.username} to {target.recipient.username}"
    if isinstance(target, User):
        return target.username
    return getattr(target, "title", None) or str(target)


def _decide_message(*, actor: User, message: Message, uphold: bool, reason: str) -> None:
    """Upholding a report on a direct message stops showing its text and tells the sender why;
    dismissing it shows the text again."""
    if not uphold:
        message_restore(message=message)
        return
    if message_remove_upheld(message=message):
        tell(
            message.sender,
            title=with_reason("Site staff removed a message you sent", reason),
            url=message.conversation.get_absolute_url(),
            actor=actor,
        )
