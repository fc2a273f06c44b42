"""ModerationAction and Report now belong to the moderation app (moderation/migrations/0001).
Only Django's state changes: the tables stay as they are, with their names, their data and the
append-only trigger on communities_moderationaction (0003)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("communities", "0009_post_match_state_without_unused_failed"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="report", name="community"),
                migrations.RemoveField(model_name="report", name="decided_by"),
                migrations.RemoveField(model_name="report", name="reporter"),
                migrations.RemoveField(model_name="report", name="target_type"),
                migrations.DeleteModel(name="ModerationAction"),
                migrations.DeleteModel(name="Report"),
            ],
            database_operations=[],
        ),
    ]
