"""OpenAPI schema generation: every operation documents the errors it can answer with."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR = inline_serializer(
    name="Error", fields={"detail": serializers.CharField(help_text="Why the request was refused.")}
)
# DRF reports invalid input as {field: [messages]}; `detail` or `non_field_errors` for the whole.
VALIDATION_ERROR = {
    "type": "object",
    "description": "Each invalid field (or `non_field_errors`) with what is wrong with it.",
    "additionalProperties": {},
}


class AutoSchema(BaseAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {
            "400": (VALIDATION_ERROR, "The request was invalid; the body says why."),
            "401": (ERROR, "Authentication credentials were missing or wrong."),
            "403": (ERROR, "You may not do this."),
            "404": (ERROR, "No such object or page, or you may not see it."),
            "429": (ERROR, "Too many requests; retry after Retry-After seconds."),
        }
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            errors["409"] = (ERROR, "The object changed meanwhile; reload and try again.")
            errors["415"] = (ERROR, "The body was not in a media type this operation reads.")
        for status, (body, description) in errors.items():
            if status not in responses:
                responses[status] = self._get_response_for_code(
                    OpenApiResponse(response=body, description=description), status
                )
        return responses
