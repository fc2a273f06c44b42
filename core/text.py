"""Cleaning the names and titles people give: the one function every form, serializer and service
goes through (by way of the services that save them)."""

from __future__ import annotations

import re

# Bidirectional embeddings and overrides (U+202A-U+202E) and isolates (U+2066-U+2069) can make a
# title read differently from what it says (a file name ending "exe.txt" shown as "txt.exe"), and
# control characters (C0, DEL, C1: escape sequences, NUL, line breaks) have no place in a name.
BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_CONTROLS}]")


def clean_name(value: str) -> str:
    """``value`` as one line: bidi controls and control characters gone (a line break or tab
    becomes a space), runs of white space made one space, no space at either end."""
    return " ".join(_CONTROLS.sub(" ", value).split())
