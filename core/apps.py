from django.apps import AppConfig

from core import checks  # noqa: F401 - registers the proxy settings' system checks (no models)


class CoreConfig(AppConfig):
    """The bottom layer, installed for its system checks (core/checks.py); it has no models."""

    name = "core"
    verbose_name = "Core"
