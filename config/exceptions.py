"""API errors: services raise Django's ValidationError; the API answers 400 with the reasons."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail = {field: [str(m) for m in errors] for field, errors in exc.message_dict.items()}
        else:
            detail = {"detail": " ".join(exc.messages)}
        exc = exceptions.ValidationError(detail)
    return drf_exception_handler(exc, context)
