"""`{{ text|markdown }}`: Markdown that people write (post bodies, charters, replies), rendered
to safe HTML.

Markdown turns the text into HTML; nh3 then keeps only an allow-list of tags and attributes, so
raw HTML in the text (a <script>, an onerror attribute, a javascript: link) never reaches the page.
Headings are shifted down to h3 and below so that a body never competes with the page's headings.
"""

from __future__ import annotations

import re

import markdown as markdown_lib  # type: ignore[import-untyped]  # no stubs installed
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["fenced_code", "tables", "sane_lists"]
HEADING = re.compile(r"<(/?)h([1-6])>")


def render_markdown(text: str) -> SafeString:
    """HTML for ``text`` written in Markdown, safe to put on a page as it is."""
    if not text:
        return mark_safe("")
    html = markdown_lib.markdown(text, extensions=EXTENSIONS, output_format="html")
    html = HEADING.sub(lambda m: f"<{m[1]}h{min(int(m[2]) + 2, 6)}>", html)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    )
    return mark_safe(cleaned)  # noqa: S308 - nh3 kept only the allow-list above


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    return render_markdown(text or "")
