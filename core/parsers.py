"""The API's JSON parser: bodies too large or nested too deep answer 400 with the reason, before
anything recursive touches them (a body nested 5,000 deep used to raise RecursionError, a 500)."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def json_depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (a scalar is 0), without
    recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


class LimitedJSONParser(JSONParser):
    """JSONParser with a size limit (KINDRED_JSON_MAX_BYTES) and a nesting limit
    (KINDRED_JSON_MAX_DEPTH)."""

    def parse(self, stream, media_type=None, parser_context=None) -> Any:
        max_bytes = settings.KINDRED_JSON_MAX_BYTES
        body = stream.read(max_bytes + 1)
        if len(body) > max_bytes:
            raise ParseError(f"The JSON body is larger than {max_bytes} bytes.")
        too_deep = ParseError(
            f"The JSON body nests deeper than {settings.KINDRED_JSON_MAX_DEPTH} levels."
        )
        try:
            data = super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if json_depth(data) > settings.KINDRED_JSON_MAX_DEPTH:
            raise too_deep
        return data
