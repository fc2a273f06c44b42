from django.db import migrations


class Migration(migrations.Migration):
    """A proposed community's deadline is `proposed_until` ("proposal" is a charter proposal's word)."""

    dependencies = [("communities", "0015_list_order_indexes")]

    operations = [
        migrations.RenameField(
            model_name="community", old_name="proposal_expires_at", new_name="proposed_until"
        ),
    ]
