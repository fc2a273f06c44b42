"""Keys made before API tokens were named and expiring (Django REST framework's authtoken table)
keep working: each becomes an API token named "Token made before 2026-12", expiring like a new
one, stored as a digest; the old table's rows are then deleted (its key was stored in clear).
The table itself belongs to an app no longer installed; drop it by hand once upgraded."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import migrations
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

OLD_TABLE = "authtoken_token"


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("profiles", "ApiToken")
    expiry = timezone.now() + timedelta(days=settings.KINDRED_TOKEN_DAYS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {OLD_TABLE}")  # noqa: S608 - a constant
        rows = cursor.fetchall()
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                digest=hash_token(key),
                token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
                user_id=user_id,
                expiry=expiry,
                name="Token made before 2026-12",
                public_id=uuid.uuid4(),
            )
            for key, user_id in rows
        ],
        ignore_conflicts=True,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {OLD_TABLE}")  # noqa: S608 - a constant


class Migration(migrations.Migration):
    dependencies = [("profiles", "0005_api_tokens_named_and_expiring")]

    # Reversing leaves the API tokens: the old keys were not kept.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
