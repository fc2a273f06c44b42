import pytest

from communities.models import Post, Tag
from tests.engine.corpus import make_corpus, make_sentence_corpus
from tests.profiles.factories import UserFactory


@pytest.fixture
def topic_posts(db):
    """Create posts on distinct topics by several people; returns {post pk: topic}.

    ``sentences=True`` writes them as people do (a title and a few sentences, see
    ``tests.engine.corpus.SENTENCES``) instead of as word lists: what a person's draft fits is
    tested on those, since word-list posts sit closer together than any real draft comes to them.
    """

    def create(
        topics=("baking", "robots", "visas"), per_topic=20, people=12, seed=0, sentences=False
    ):
        authors = [UserFactory(username=f"member{i}") for i in range(people)]
        make = make_sentence_corpus if sentences else make_corpus
        corpus, truth = make(list(topics), per_topic=per_topic, seed=seed)
        created = {}
        for i, item in enumerate(sorted(corpus, key=lambda p: p.id)):
            post = Post.objects.create(author=authors[i % people], title=item.title, body=item.body)
            tags = [Tag.objects.get_or_create(slug=t, defaults={"name": t})[0] for t in item.tags]
            post.tags.set(tags)
            created[post.pk] = truth[item.id]
        return created

    return create
