"""A GIN index for the directory's full-text search over community names and purposes.

PostgreSQL only (the embedded SQLite default searches with LIKE), so it is created here rather
than declared on the model. communities.selectors.community_directory searches with exactly this
expression, SearchVector("name", "purpose", config="english"), so that the index serves it.
"""

from django.db import migrations

INDEX = "community_search"
CREATE = (
    f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "communities_community" USING gin '
    "((to_tsvector('english'::regconfig, "
    "COALESCE(\"name\", '') || ' ' || COALESCE(\"purpose\", ''))))"
)
DROP = f'DROP INDEX IF EXISTS "{INDEX}"'


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("communities", "0006_post_moderation_status_and_moderation_verbs")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
