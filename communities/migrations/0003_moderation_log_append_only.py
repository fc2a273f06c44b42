"""Make the moderation log append-only in PostgreSQL: no deletes, and no updates except clearing
the actor or community when that row goes (on_delete=SET_NULL). SQLite, the embedded default,
relies on the application, which never updates or deletes a ModerationAction."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION communities_moderationaction_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the moderation log is append-only: rows cannot be deleted';
    END IF;
    IF (NEW.id, NEW.verb, NEW.target_type_id, NEW.target_id, NEW.target_repr, NEW.reason,
        NEW.details, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.verb, OLD.target_type_id, OLD.target_id, OLD.target_repr, OLD.reason,
        OLD.details, OLD.created_at)
       OR (NEW.actor_id IS DISTINCT FROM OLD.actor_id AND NEW.actor_id IS NOT NULL)
       OR (NEW.community_id IS DISTINCT FROM OLD.community_id) THEN
        RAISE EXCEPTION 'the moderation log is append-only: rows cannot be changed';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER communities_moderationaction_append_only
BEFORE UPDATE OR DELETE ON communities_moderationaction
FOR EACH ROW EXECUTE FUNCTION communities_moderationaction_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS communities_moderationaction_append_only ON communities_moderationaction;
DROP FUNCTION IF EXISTS communities_moderationaction_append_only();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("communities", "0002_relations")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
