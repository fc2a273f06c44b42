"""API errors: services raise Django's ValidationError; the API answers 400 with the reasons. A
rate limit answers 429 with Retry-After; two people racing (core.errors.Conflict), 409 for the
second."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict as ConflictError
from core.ratelimit import RateLimited


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
    return drf_exception_handler(exc, context)
