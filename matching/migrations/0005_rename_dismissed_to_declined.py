"""A post author's "no" to a suggested peer or community is a decline ("dismiss" is only a report
found to need no action): the columns are renamed, the values kept."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0004_run_chunks"),
    ]

    operations = [
        migrations.RenameField(
            model_name="communityfit",
            old_name="dismissed",
            new_name="declined",
        ),
        migrations.RenameField(
            model_name="peersuggestion",
            old_name="dismissed",
            new_name="declined",
        ),
    ]
