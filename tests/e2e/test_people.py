"""The people side in a real browser: signing up and setting interests, posting a problem and
meeting a peer (with a real Celery worker matching it), the live panel while typing, replies and
notifications."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from communities.models import Post, Reply, Tag
from matching import services
from matching.models import MatchRun
from profiles.models import Notification, Profile, User
from tests.e2e.conftest import PHONE, log_in, screenshot
from tests.engine.corpus import make_corpus
from tests.profiles.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.e2e


def header(page: Page):
    return page.get_by_role("banner")


@pytest.fixture
def matched_corpus(transactional_db):
    """Posts on three topics by a dozen people, and a finished match run over them."""
    names = ["Ana Ruiz", "Ben Okafor", "Chen Li", "Dara Kelly", "Eli Navon", "Femi Ade"]
    authors = [
        UserFactory(username=f"member{i}", profile__display_name=f"{names[i % 6]} {i}")
        for i in range(12)
    ]
    corpus, _truth = make_corpus(["baking", "robots", "visas"], per_topic=20, seed=0)
    for i, item in enumerate(sorted(corpus, key=lambda p: p.id)):
        post = Post.objects.create(author=authors[i % 12], title=item.title, body=item.body)
        post.tags.set(
            [Tag.objects.get_or_create(slug=t, defaults={"name": t})[0] for t in item.tags]
        )
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    assert services.match_run_execute(run_id=run.pk).status == MatchRun.Status.SUCCEEDED


def test_a_newcomer_signs_up_and_sets_their_interests(page: Page, live_server):
    page.goto("/accounts/signup/")
    page.get_by_label("Email", exact=True).fill("lin@example.org")
    page.get_by_label("Username", exact=True).fill("lin")
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_label("Password (again)", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What you are working on")

    header(page).get_by_role("link", name="Settings").click()
    expect(page).to_have_title("Settings · Kindred")
    page.get_by_label("Display name").fill("Lin Wei")
    page.get_by_label("Interests").fill("Clay soil, rainwater")
    page.get_by_label("Let others find me by my posts").check()
    page.get_by_label("Daily digest").check()
    page.get_by_label("Proposals opened and decided").uncheck()
    screenshot(page, "settings")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Your settings are saved.")

    profile = Profile.objects.get(user__username="lin")
    assert profile.display_name == "Lin Wei" and profile.discoverable
    assert not profile.notify_proposals and profile.email_frequency == "daily"
    header(page).get_by_role("link", name="Lin Wei").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lin Wei")
    interests = page.get_by_role("list").filter(has=page.get_by_text("rainwater"))
    expect(interests.get_by_text("Clay soil")).to_be_visible()

    # The server says what is wrong, next to the field.
    header(page).get_by_role("link", name="Settings").click()
    page.get_by_label("Interests").fill(", ".join(f"topic {i}" for i in range(9)))
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_contain_text("correct the errors")
    expect(page.get_by_text("Use at most 8 tags (you gave 9).")).to_be_visible()
    expect(page.get_by_label("Interests")).to_have_attribute("aria-invalid", "true")


def test_posting_a_problem_shows_similar_posts_while_typing_then_peers(
    page: Page, live_server, matched_corpus, workers
):
    workers.start()
    UserFactory(username="newcomer", profile__display_name="Sam Rivera")
    log_in(page, "newcomer")
    header(page).get_by_role("link", name="Post", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post a problem or interest")

    panel = page.locator("#similar-panel")
    expect(panel).to_contain_text("Start typing")
    page.get_by_label("Title").press_sequentially("sourdough bread dough will not rise", delay=10)
    expect(panel.get_by_role("heading", name="Similar posts")).to_be_visible()
    expect(panel.get_by_role("listitem").first).to_be_visible()
    similar_titles = panel.get_by_role("listitem").all_inner_texts()
    assert any(re.search(r"bread|dough|sourdough|flour|loaf", t) for t in similar_titles)

    tags = page.get_by_label("Tags")
    tags.press_sequentially("bak", delay=20)
    expect(page.locator("#tag-options option[value='baking']")).to_have_count(1)
    tags.fill("baking")
    page.get_by_label("Details").fill("My starter and flour seem fine but the loaf stays *flat*.")
    screenshot(page, "post-form")
    page.wait_for_load_state("networkidle")  # no live-panel request cut off by leaving the page
    page.get_by_role("button", name="Post", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("sourdough bread dough will not rise")
    expect(page.locator(".prose em")).to_have_text("flat")
    matches = page.locator("#post-matches")
    peer = matches.locator(".peer").first
    try:
        expect(peer).to_be_visible(timeout=20_000)  # the worker matched it, htmx polled it in
    except AssertionError as error:
        post = Post.objects.get(author__username="newcomer")
        log = workers.processes[0].log_path.read_text()[-4000:]
        raise AssertionError(f"{error}\nmatch_state={post.match_state}\nworker log:\n{log}")
    expect(peer).to_contain_text("Why:")
    expect(peer.locator(".peer__reason")).to_contain_text(re.compile(r"shared (tags|terms)"))
    post = Post.objects.get(author__username="newcomer")
    assert post.match_state == Post.MatchState.MATCHED
    screenshot(page, "post-page")


def test_a_problem_nobody_shares_gets_the_honest_empty_states(
    page: Page, live_server, matched_corpus, workers
):
    """Peers or honesty: no noise, in the live panel or on the post page, for a problem nobody
    else has posted about. (Its words share nothing with the corpus: with the lexical encoder a
    single shared word, say "border", among mostly unknown ones still passes the noise floor.)"""
    workers.start()
    UserFactory(username="knitter", profile__display_name="Kim Knit")
    log_in(page, "knitter")
    header(page).get_by_role("link", name="Post", exact=True).click()
    panel = page.locator("#similar-panel")
    title = "chunky cable cardigan keeps curling at the hem"
    page.get_by_label("Title").press_sequentially(title, delay=10)
    expect(panel).to_contain_text("Nobody yet: we will tell you when someone posts the same thing.")
    expect(panel).to_contain_text("No community fits this yet")
    page.get_by_label("Details").fill("Wool yarn, 4 mm needles, garter stitch edging.")
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Post", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    matches = page.locator("#post-matches")
    expect(matches).to_contain_text(
        "Nobody yet: we will tell you when someone posts the same thing.", timeout=20_000
    )
    expect(matches).to_contain_text("No community fits this post")
    expect(matches.locator(".peer")).to_have_count(0)
    screenshot(page, "post-page-nobody-yet")


def test_a_reply_reaches_the_author_as_a_notification(page: Page, live_server):
    ada = UserFactory(username="ada")
    Profile.objects.filter(user=ada).update(display_name="Ada")
    post = Post.objects.create(
        author=ada, title="Clay soil floods every spring", match_state="matched"
    )
    UserFactory(username="grace", profile__display_name="Grace Hopper")
    log_in(page, "grace")
    page.goto(post.get_absolute_url())
    page.get_by_label("Your reply").fill("Try **gypsum** and raised beds.")
    page.get_by_role("button", name="Reply to Ada").click()
    expect(page.locator(".reply").first).to_contain_text("gypsum")
    assert Reply.objects.filter(post=post, author__username="grace").exists()
    header(page).get_by_role("button", name="Log out").click()

    # A fixed age, so that the screenshot does not change from run to run.
    Notification.objects.filter(user=ada).update(created_at=timezone.now() - timedelta(hours=2))
    log_in(page, "ada")
    notifications = header(page).get_by_role("link", name=re.compile("^Notifications"))
    expect(notifications).to_have_text("Notifications 1 unread")
    notifications.click()
    item = page.get_by_role("main").get_by_role("listitem").first
    expect(item).to_contain_text("replied to “Clay soil floods every spring”")
    screenshot(page, "notifications")
    # Opening a notification reads it.
    page.get_by_role("link", name=re.compile("replied to")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clay soil floods every spring")
    expect(notifications).to_have_text("Notifications")
    assert not Notification.objects.filter(user=ada, read_at__isnull=True).exists()
    assert User.objects.get(username="ada").notifications.count() == 1


@pytest.mark.parametrize("viewport", [PHONE])
def test_the_member_pages_fit_a_phone(page: Page, live_server):
    ada = UserFactory(username="ada", profile__display_name="Ada Lovelace")
    post = Post.objects.create(
        author=ada, title="Clay soil floods every spring", match_state="matched"
    )
    log_in(page, "ada")
    for url in [
        "/",
        "/posts/new/",
        post.get_absolute_url(),
        "/people/settings/",
        "/people/notifications/",
        "/people/ada/",
    ]:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (url, overflow)
    page.goto("/")
    expect(header(page).get_by_role("link", name="Post", exact=True)).to_be_visible()
    screenshot(page, "home-member-phone")


def test_without_javascript_people_still_post_reply_and_read_notifications(
    browser, live_server, transactional_db
):
    """Only the live parts need JavaScript: posting, replying, settings and notifications work
    as plain forms."""
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        ada = UserFactory(username="ada", profile__display_name="Ada Lovelace")
        UserFactory(username="grace", profile__display_name="Grace Hopper")
        log_in(page, "grace")
        header(page).get_by_role("link", name="Post", exact=True).click()
        page.get_by_label("Title").fill("Rainwater butts overflow in storms")
        page.get_by_label("Tags").fill("rainwater, storms")
        page.get_by_role("button", name="Post", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Rainwater butts overflow in storms"
        )
        expect(page.get_by_role("list", name="Tags")).to_contain_text("storms")
        mine = Post.objects.get(author__username="grace")

        post = Post.objects.create(author=ada, title="Clay soil floods", match_state="matched")
        page.goto(post.get_absolute_url())
        page.get_by_label("Your reply").fill("Raised beds helped me.")
        page.get_by_role("button", name="Reply to Ada Lovelace").click()
        expect(page.locator(".reply").first).to_contain_text("Raised beds helped me.")
        header(page).get_by_role("button", name="Log out").click()

        log_in(page, "ada")
        header(page).get_by_role("link", name=re.compile("^Notifications")).click()
        expect(page.get_by_role("link", name=re.compile("replied to"))).to_be_visible()
        page.get_by_role("button", name="Mark all read").click()
        expect(page.get_by_role("status")).to_contain_text("Marked 1 notification read.")
        assert mine.match_state == Post.MatchState.PENDING
    finally:
        context.close()
