"""The log-in lockout: one set of counters per account, whatever door the password is tried at
(the log-in page by username or by email, the admin, which logs in through that page,
``POST /api/auth/token/``, and a signed-in person confirming their password to delete their
account: ``password_confirm``), and keyed so that a stranger cannot lock the owner out.

Failures are counted in the shared cache, in fixed windows (``KINDRED_LOGIN_LOCKOUT``):

- per account and client address: the lockout an owner can meet, and only from the address the
  wrong passwords came from;
- per account, from addresses the account has never logged in from: a ceiling for a guesser
  spread over many addresses. The owner's usual addresses (those of successful log-ins in the
  last ``known_address_days``) are not held by it, so failures from elsewhere never lock the owner
  out where they usually log in;
- per client address, whatever the account: one address trying many accounts.

Every attempt is counted before the password is checked (so parallel guesses cannot slip past the
count) and taken back when it succeeds. A password reset clears the account's counters (it moves
the account to a new generation of keys), so a reset always gets the owner back in. Addresses come
from ``core.client`` (the trusted proxies). While the cache is unreachable nothing is counted
(core/cache.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from core.client import client_key
from profiles.models import User
from profiles.selectors import account_for_login


class LoginLocked(Exception):
    """Too many failed log-ins for this account from here; try after ``retry_after`` seconds."""

    def __init__(self, *, retry_after: int, signed_in: bool = False) -> None:
        self.retry_after = max(1, int(retry_after))
        if signed_in:  # confirming a password, already logged in: a reset is no way round
            message = (
                "Too many wrong passwords for this account from here. Try again in "
                f"{_duration(self.retry_after)}."
            )
        else:
            message = (
                "Too many failed log-in attempts for this account from here. Try again in "
                f"{_duration(self.retry_after)}, or reset your password to get in at once."
            )
        super().__init__(message)


@dataclass
class LoginAttempt:
    """An attempt under way: the counters it was counted in, to take back when it succeeds."""

    user_id: int | None
    address: str
    counted: list[str] = field(default_factory=list)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _generation(user_id: int) -> int:
    return int(cache.get(f"login:generation:{user_id}", 0) or 0)


def _known_key(user_id: int) -> str:
    return f"login:known:{user_id}"


def _count(name: str, rule: dict, now: float) -> tuple[str, int, int]:
    """Count one attempt in the current window of ``rule``: (cache key, count, seconds left)."""
    window = int(rule["window"])
    start = int(now // window * window)
    key = f"{name}:{start}"
    cache.add(key, 0, timeout=window + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired meanwhile, or the cache is unreachable
        count = 0
    return key, count, int(start + window - now) + 1


def login_attempt_begin(request: HttpRequest, *, login: str) -> LoginAttempt:
    """Count an attempt to log in as ``login`` from the request's client; raise LoginLocked when
    one of the counters is past its limit. Call ``login_attempt_succeeded`` when the password
    was right."""
    return _attempt_begin(address=client_key(request), user=account_for_login(login), login=login)


def password_confirm(*, user: User, password: str, client: str) -> bool:
    """Whether ``password`` is ``user``'s, asked of a signed-in person before an irreversible
    step (deleting their account), from ``client`` (``core.client.client_key`` of the request).
    The attempt counts in the same counters as a log-in to the account from there, so a session
    holder cannot guess the password here without limit: past a limit it raises LoginLocked,
    even for the right password, until the window ends. A right password takes the attempt
    back."""
    attempt = _attempt_begin(address=client, user=user, login=user.get_username(), signed_in=True)
    if not user.check_password(password or ""):
        return False
    login_attempt_succeeded(attempt)
    return True


def _attempt_begin(
    *, address: str, user: User | None, login: str, signed_in: bool = False
) -> LoginAttempt:
    attempt = LoginAttempt(user_id=user.pk if user else None, address=address)
    if not settings.KINDRED_RATE_LIMITS_ENABLED:
        return attempt
    rules: dict[str, Any] = settings.KINDRED_LOGIN_LOCKOUT
    if user is not None:
        account = f"user:{user.pk}:{_generation(user.pk)}"
    else:  # no such account: count the name, so that unknown and known names look alike
        account = f"name:{_hash(login.strip().lower())}"
    address_hash = _hash(address)
    counters = [
        ("account_and_address", f"login:fail:{account}:{address_hash}"),
        ("address", f"login:fail:address:{address_hash}"),
    ]
    if user is None or address_hash not in (cache.get(_known_key(user.pk)) or []):
        counters.append(("account_elsewhere", f"login:fail:{account}:elsewhere"))
    now = time.time()
    refused = 0
    for rule_name, name in counters:
        key, count, left = _count(name, rules[rule_name], now)
        attempt.counted.append(key)
        if count > int(rules[rule_name]["limit"]):
            refused = max(refused, left)
    if refused:
        raise LoginLocked(retry_after=refused, signed_in=signed_in)
    return attempt


def login_attempt_succeeded(attempt: LoginAttempt) -> None:
    """The password was right: take the attempt back from every counter, and remember the
    address as one the owner logs in from."""
    for key in attempt.counted:
        with contextlib.suppress(ValueError):  # expired meanwhile
            cache.decr(key)
    if attempt.user_id is None or not settings.KINDRED_RATE_LIMITS_ENABLED:
        return
    rules: dict[str, Any] = settings.KINDRED_LOGIN_LOCKOUT
    here = _hash(attempt.address)
    known = [a for a in (cache.get(_known_key(attempt.user_id)) or []) if a != here]
    known = [here, *known][: int(rules["known_addresses"])]
    cache.set(_known_key(attempt.user_id), known, timeout=int(rules["known_address_days"]) * 86400)


def login_lockout_clear(*, user: User) -> None:
    """Forget every failed log-in counted for ``user`` (after a password reset). Safe to repeat."""
    cache.set(f"login:generation:{user.pk}", time.time_ns(), timeout=None)
