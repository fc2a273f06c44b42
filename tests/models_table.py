"""The table of models in docs/architecture.md, made from the models themselves: each model's
first sentence of its docstring, by app. tests/test_docs.py fails when the table in the document
differs; `python -m tests.models_table --write` writes it again."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
APPS = ["profiles", "communities", "matching", "moderation"]
BEGIN = "<!-- models: made by `python -m tests.models_table --write` -->"
END = "<!-- end of models -->"


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    return match.group(1) if match else text


def table() -> str:
    """The Markdown table: one row per model we wrote (django-simple-history's copies aside)."""
    from django.apps import apps

    rows = ["| app | model | what it is |", "|---|---|---|"]
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if hasattr(model, "instance_type"):  # django-simple-history's copy of a model
                continue
            doc = model.__doc__ or ""
            if doc.startswith(f"{model.__name__}("):  # Django's default: the fields
                doc = ""
            rows.append(f"| `{label}` | `{model.__name__}` | {_first_sentence(doc)} |")
    return "\n".join(rows)


def in_document() -> str:
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    return text[start:end].strip()


def write() -> None:
    text = DOC.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    DOC.write_text(f"{text[:start]}\n{table()}\n{text[end:]}")


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    if "--write" in sys.argv:
        write()
    else:
        print(table())
