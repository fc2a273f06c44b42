"""The documents stay true to the code."""

from tests import models_table


def test_the_models_table_in_the_architecture_document_is_made_from_the_models():
    assert models_table.in_document() == models_table.table(), (
        "docs/architecture.md's models table is out of date: python -m tests.models_table --write"
    )
