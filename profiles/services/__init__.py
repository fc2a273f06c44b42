"""Every write to accounts, profiles, notifications, API tokens, direct messages and blocks, by
subject, and the log-in lockout's counters.

Each service takes keyword-only arguments, checks permission first (profiles.permissions), runs in
one transaction where it writes rows and returns what it wrote. Services that can be repeated say
so. Callers import them from here (``from profiles.services import notify``).
"""

from profiles.services.blocks import person_block, person_unblock
from profiles.services.lockout import (
    LoginAttempt,
    LoginLocked,
    login_attempt_begin,
    login_attempt_succeeded,
    login_lockout_clear,
    password_confirm,
)
from profiles.services.messages import (
    conversation_mark_read,
    message_remove_upheld,
    message_restore,
    message_send,
)
from profiles.services.notifications import (
    notification_mail,
    notifications_daily_digest,
    notifications_mark_read,
    notify,
    notify_many,
)
from profiles.services.profiles import profile_ensure, profile_update
from profiles.services.tokens import token_create, token_revoke, tokens_revoke_all
from profiles.services.verification import (
    VERIFY_REMINDER_KEY,
    email_verification_reminders_send,
)

__all__ = [
    "VERIFY_REMINDER_KEY",
    "LoginAttempt",
    "LoginLocked",
    "conversation_mark_read",
    "email_verification_reminders_send",
    "login_attempt_begin",
    "login_attempt_succeeded",
    "login_lockout_clear",
    "message_remove_upheld",
    "message_restore",
    "message_send",
    "notification_mail",
    "notifications_daily_digest",
    "notifications_mark_read",
    "notify",
    "notify_many",
    "password_confirm",
    "person_block",
    "person_unblock",
    "profile_ensure",
    "profile_update",
    "token_create",
    "token_revoke",
    "tokens_revoke_all",
]
