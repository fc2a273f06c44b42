"""Notifications stop storing their actor's name (issue 21): "Gina sent you a message" becomes
the title "sent you a message" with ``names_actor``, and the name is put before it when shown, as
Gina is named then ("A former member" once her account is gone).

Existing rows: where the actor is still there and the title starts with their name (display name,
else username), the name is cut off. Where the actor's account was deleted (actor is NULL), the
titles services wrote with a name ("<name> sent you a message", "<name> replied to “...”",
"<name> replied in “...”", "<name> asked to join ...") lose it too, so the deleted person's name
goes. Reversible: the name is written back (a deleted person's as "A former member")."""

import re

from django.db import migrations, models

# The titles that named their actor, by kind (profiles.services.messages, communities.services).
NAMED = {
    "message": re.compile(r"^.+? (sent you a message)$", re.S),
    "reply": re.compile(r"^.+? (replied (?:to|in) “.*)$", re.S),
    "community": re.compile(r"^.+? (asked to join .*)$", re.S),
}
FORMER_MEMBER = "A former member"


def _name(user) -> str:
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name:
        return profile.display_name
    return user.username


def forwards(apps, schema_editor):
    Notification = apps.get_model("profiles", "Notification")
    Profile = apps.get_model("profiles", "Profile")
    rows = Notification.objects.filter(kind__in=list(NAMED), names_actor=False).select_related(
        "actor"
    )
    profiles = {}
    changed = []
    for notification in rows.iterator(chunk_size=2000):
        title = notification.title
        if notification.actor is not None:
            actor = notification.actor
            if actor.pk not in profiles:
                profiles[actor.pk] = Profile.objects.filter(user_id=actor.pk).first()
            profile = profiles[actor.pk]
            names = [profile.display_name] if profile and profile.display_name else []
            names.append(actor.username)
            prefix = next((n + " " for n in names if title.startswith(n + " ")), None)
            if prefix is None:
                continue
            notification.title = title[len(prefix) :]
        else:
            match = NAMED[notification.kind].match(title)
            if match is None:
                continue
            notification.title = match.group(1)
        notification.names_actor = True
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["title", "names_actor"], batch_size=2000)


def backwards(apps, schema_editor):
    Notification = apps.get_model("profiles", "Notification")
    Profile = apps.get_model("profiles", "Profile")
    changed = []
    for notification in (
        Notification.objects.filter(names_actor=True).select_related("actor").iterator()
    ):
        actor = notification.actor
        if actor is None:
            name = FORMER_MEMBER
        else:
            actor.profile = Profile.objects.filter(user_id=actor.pk).first()
            name = _name(actor)
        notification.title = f"{name} {notification.title}"[:200]
        changed.append(notification)
    Notification.objects.bulk_update(changed, ["title"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0006_drf_tokens_become_api_tokens"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="names_actor",
            field=models.BooleanField(
                default=False,
                help_text="The title follows the actor's name, put before it when shown.",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
