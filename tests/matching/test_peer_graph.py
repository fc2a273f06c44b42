"""Runs over many posts search their peers in the peer index's HNSW graph, which travels with the
run's artifact, so posts published afterwards are found through it."""

import pytest

from communities.models import Post, Tag
from matching import services
from matching.models import MatchRun, PeerSuggestion
from tests.engine.corpus import TOPICS
from tests.profiles.factories import UserFactory


def run_now() -> MatchRun:
    run = services.match_run_request(actor=None, trigger=MatchRun.Trigger.COMMAND)
    result = services.match_run_execute(run_id=run.pk)
    assert result is not None and result.status == MatchRun.Status.SUCCEEDED, run.error
    return result


def stored_peers() -> set[tuple[int, int]]:
    return set(PeerSuggestion.objects.values_list("post_id", "peer_id"))


@pytest.mark.django_db(transaction=True)
def test_a_large_run_searches_a_graph_with_the_exact_runs_peers(topic_posts, settings):
    topics = topic_posts(topics=("baking", "robots", "visas", "chess"), per_topic=25)
    settings.KINDRED_PEER_GRAPH_MIN_POSTS = 1_000  # more than there are: exact
    exact = run_now()
    exact_peers = stored_peers()
    settings.KINDRED_PEER_GRAPH_MIN_POSTS = 50
    graphed = run_now()

    assert exact.metrics["peer_graph"] == 0
    assert graphed.metrics["peer_graph"] == len(topics) == 100
    graph_peers = stored_peers()
    assert len(exact_peers) > 5 * len(topics)
    # The same peers but for ties at the last place.
    assert len(graph_peers & exact_peers) >= 0.95 * len(exact_peers)
    assert all(topics[a] == topics[b] for a, b in graph_peers)


@pytest.mark.django_db(transaction=True)
def test_a_post_published_after_the_run_is_added_to_the_graph_and_found(topic_posts, settings):
    topics = topic_posts(topics=("baking", "robots", "visas"), per_topic=25)
    settings.KINDRED_PEER_GRAPH_MIN_POSTS = 50
    run_now()
    loaded = services.current_matcher()
    assert loaded is not None and loaded.matcher.peer_index_.graph is not None
    in_graph = len(loaded.matcher.peer_index_.graph)

    words = TOPICS["robots"][0]
    post = Post.objects.create(
        author=UserFactory(username="newcomer"),
        title=" ".join(words[:5]),
        body=" ".join(words[5:12]),
    )
    post.tags.set([Tag.objects.get_or_create(slug="robotics", defaults={"name": "robotics"})[0]])
    services.post_match(post_id=post.pk)

    post.refresh_from_db()
    assert post.match_state == Post.MatchState.MATCHED
    peers = list(PeerSuggestion.objects.filter(post=post).values_list("peer_id", flat=True))
    assert len(peers) >= 5 and {topics[p] for p in peers} == {"robots"}
    graph = services.current_matcher().matcher.peer_index_.graph
    assert graph is not None and len(graph) == in_graph + 1
