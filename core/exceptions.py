"""API errors: services raise Django's ValidationError; the API answers 400 with the reasons. A
rate limit answers 429 with Retry-After; two people racing (core.errors.Conflict), 409 for the
second. A refusal's reason goes on the request's log line."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict as ConflictError
from core.middleware import log_refusal
from core.ratelimit import RateLimited

# Answers that refuse the caller (not logged in, not allowed, too fast): their reason goes on
# the request's log line.
_REFUSALS = {
    status.HTTP_401_UNAUTHORIZED,
    status.HTTP_403_FORBIDDEN,
    status.HTTP_429_TOO_MANY_REQUESTS,
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object changed meanwhile; reload and try again."
    default_code = "conflict"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail: dict[str, list[str]] | dict[str, str]
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in errors] for field, errors in exc.message_dict.items()}
        else:
            detail = {"detail": " ".join(exc.messages)}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, RateLimited):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=str(exc))
    elif isinstance(exc, ConflictError):
        exc = Conflict(str(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code in _REFUSALS:
        log_refusal(str(response.data.get("detail", "")))
    return response
