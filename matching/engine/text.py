"""The words the matcher reads in a post: what cleaning keeps, how words are split and conflated,
and which never count (stop words and filler). The encoders (``lexical``, ``semantic``) and the
names and reasons (``explain``) all read words through this module.
"""

from __future__ import annotations

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from matching.engine.types import Post

TOKEN_PATTERN = r"(?u)\b[a-z][a-z0-9+#]+\b"  # noqa: S105 (a regex, not a secret)
_TOKEN_RE = re.compile(TOKEN_PATTERN)

# Words that say nothing about what a post is about: web and chat filler, what is left of
# contractions and links, and the generic words of help requests. They never make a vector, a
# name or a reason.
_FILLER_WORDS = """
    just like really actually basically literally pretty quite maybe probably anyway thanks
    thank thx pls please hi hello hey dear regards cheers sorry ok okay yeah yes lol im ive id
    ill youre youve theyre dont doesnt didnt isnt wasnt arent werent cant couldnt wont wouldnt
    shouldnt havent hasnt hadnt aint don doe doesn didn isn wasn aren weren couldn wouldn
    shouldn haven hasn hadn ll ve re http https www com org net edu gov html htm php asp amp
    nbsp gt lt quot href src img jpg png gif need needs needed want wants wanted help helps
    helped question questions problem problems issue issues answer answers thing things stuff
    way ways lot lots kind sort bit know knows think thought try trying tried use using used
    make makes making made good great best better new old get gets getting got go going goes
    went come comes say says said tell told ask asked asking look looking looks see seen seems
    seem work works working worked able possible sure idea ideas does did doing done anybody
    somebody someone anyone everyone advice suggestion suggestions recommend time times day
    days year years people person guy guys case example etc
"""
FILLER = frozenset(_FILLER_WORDS.split())
# What never makes a vector, a name or a reason.
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | FILLER

_CODE_BLOCK_RE = re.compile(r"```.*?```|~~~.*?~~~", re.S)
_MD_LINK_RE = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL_RE = re.compile(
    r"(?:https?://|ftp://|www\.)\S+|\b[\w.-]+\.(?:com|org|net|io|edu|gov|co|uk|de)\S*"
)
_CONTRACTION_RE = re.compile(r"(\w+)['\u2019](t|s|re|ve|ll|d|m)\b")
_MARKUP_RE = re.compile(r"[`*_#>|~]+|<[^>]{0,200}>|&[a-z]+;")


_NEGATED = {"ca": "can", "wo": "will", "ai": "is", "sha": "shall"}


def _uncontract(found: re.Match[str]) -> str:
    stem, ending = found.group(1), found.group(2)
    if ending == "t" and stem.lower().endswith("n"):
        stem = stem[:-1]
        return _NEGATED.get(stem.lower(), stem)
    return stem


def matchable_text(text: str) -> str:
    """Lower-cased text without what is not the writer's words: code blocks, links and bare
    domains, Markdown and HTML markup. A contraction loses its ending with its apostrophe
    ("don't" -> "do", "it's" -> "it"), so no fragment such as "don" or "t" is ever a word."""
    text = _CODE_BLOCK_RE.sub(" ", text)
    text = _MD_LINK_RE.sub(r" \1 ", text)
    text = _URL_RE.sub(" ", text)
    text = _CONTRACTION_RE.sub(_uncontract, text)
    return _MARKUP_RE.sub(" ", text).lower()


_KEEP_S_WORDS = """
    does goes has was this its his yes gas bus lens news series species physics
"""
_KEEP_S = frozenset(_KEEP_S_WORDS.split())
_IE_SINGULAR_WORDS = """
    movie cookie calorie zombie rookie selfie brownie smoothie genie prairie pie tie lie
"""
_IE_SINGULAR = frozenset(_IE_SINGULAR_WORDS.split())


_VES_SINGULAR = {
    "knives": "knife", "lives": "life", "wives": "wife", "leaves": "leaf", "halves": "half",
    "shelves": "shelf", "wolves": "wolf", "loaves": "loaf", "calves": "calf", "thieves": "thief",
    "scarves": "scarf", "selves": "self", "elves": "elf", "hooves": "hoof",
}  # fmt: skip
_CHE_SINGULAR = frozenset(
    ["cache", "niche", "ache", "headache", "avalanche", "moustache", "quiche", "cliche"]
)
_OE_SINGULAR = frozenset(["shoe", "toe", "canoe", "hoe", "oboe", "foe", "floe", "sloe", "roe"])


def normalize_word(word: str) -> str:
    """Conflate simple English plurals ("studies" -> "study", "cars" -> "car", "boxes" -> "box",
    "knives" -> "knife") so that short texts that say the same thing in singular and plural meet
    and no name holds a fragment. Deliberately light: no stemmer dependency, and a few words that
    only look plural are left whole ("does", "lens")."""
    if word in _KEEP_S:
        return word
    if word in _VES_SINGULAR:
        return _VES_SINGULAR[word]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-1] if word[:-1] in _IE_SINGULAR else word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-1] if word[:-1] in _CHE_SINGULAR else word[:-2]
    if len(word) > 4 and word.endswith("oes"):
        return word[:-1] if word[:-1] in _OE_SINGULAR else word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "ous")):
        return word[:-1]
    return word


def word_runs(text: str) -> list[list[str]]:
    """The words of a text in order, cut into runs wherever a stop word, filler or punctuation
    stood: the stretches a phrase ("soil moisture sensor") can be taken from. Plurals are
    conflated."""
    runs: list[list[str]] = []
    for chunk in re.split(r"[.,;:!?()\[\]\"/\\\n]+", matchable_text(text)):
        run: list[str] = []
        for token in _TOKEN_RE.findall(chunk):
            word = normalize_word(token)
            if token in STOP_WORDS or word in STOP_WORDS:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append(word)
        if run:
            runs.append(run)
    return runs


def plain_text(text: str) -> str:
    """Text as a person reads it: Markdown emphasis, code marks, links and headings stripped,
    case kept."""
    text = _MD_LINK_RE.sub(r"\1", text)
    return re.sub(r"\s+", " ", re.sub(r"[`*_#>|~]+", "", text)).strip()


def tokenize(text: str) -> list[str]:
    """Cleaned, lower-cased, stop words and filler removed, plurals conflated."""
    words = (
        normalize_word(t) for t in _TOKEN_RE.findall(matchable_text(text)) if t not in STOP_WORDS
    )
    return [w for w in words if w not in STOP_WORDS]


def normalize_tag(tag: str) -> str:
    return tag.strip().lower()


def post_text(post: Post, body_chars: int = 2000) -> str:
    """The text a sentence encoder sees: title, tags, then the start of the body (the model reads
    at most 256 word pieces, so the title and tags must come first)."""
    parts = [post.title.strip()]
    if post.tags:
        parts.append("Tags: " + ", ".join(post.tags))
    body = (post.body or "")[:body_chars].strip()
    if body:
        parts.append(body)
    return ". ".join(p for p in parts if p)
