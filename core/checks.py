"""System checks of the proxy settings (docs/operations.md, "Security: deploying behind a proxy").

- core.E001, always: ``KINDRED_TRUSTED_PROXIES`` is not a list of addresses or networks (a count,
  the setting's old meaning, or a typo). Production settings refuse to start with it too.
- core.W001, with ``--deploy``: a trusted network holds every address (0.0.0.0/0, ::/0), so the
  header would be trusted from anywhere and every client could name its own address.
- core.W002, with ``--deploy``: the scheme is taken from a proxy (``SECURE_PROXY_SSL_HEADER``)
  but no proxy's address is listed: behind a proxy every client would count as the proxy (one
  stranger's failed log-ins lock everyone out); without one, clients name their own scheme.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured

from core.client import configured_networks
from core.proxies import covers_everything

HINT = 'See docs/operations.md, "Security: deploying behind a proxy".'


@register(Tags.security)
def check_trusted_proxies_are_readable(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    try:
        configured_networks()
    except ImproperlyConfigured as error:
        return [Error(str(error), hint=HINT, id="core.E001")]
    return []


@register(Tags.security, deploy=True)
def check_trusted_proxies_for_deployment(
    app_configs: Any = None, **kwargs: Any
) -> list[CheckMessage]:
    try:
        networks = configured_networks()
    except ImproperlyConfigured:
        return []  # core.E001 says why
    messages: list[CheckMessage] = []
    everywhere = [str(network) for network in networks if covers_everything(network)]
    if everywhere:
        messages.append(
            Warning(
                f"KINDRED_TRUSTED_PROXIES trusts every address ({', '.join(everywhere)}): "
                "X-Forwarded-For would be read from anyone, so every client could pick the "
                "address the rate limits and the log-in lockout count it under.",
                hint="List only the addresses or networks your proxies connect from. " + HINT,
                id="core.W001",
            )
        )
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not networks:
        messages.append(
            Warning(
                "SECURE_PROXY_SSL_HEADER trusts a proxy for the scheme, but "
                "KINDRED_TRUSTED_PROXIES lists no proxy address: behind a proxy every client "
                "counts as the proxy (one person's failed log-ins lock everyone out); facing the "
                "internet, clients name their own scheme.",
                hint="Set KINDRED_TRUSTED_PROXIES to the addresses your proxies connect from, "
                "or unset SECURE_PROXY_SSL_HEADER if the app faces the internet. " + HINT,
                id="core.W002",
            )
        )
    return messages
