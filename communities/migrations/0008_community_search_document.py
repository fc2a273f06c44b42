"""The directory's full-text search reads a stored document instead of parsing text per query.

PostgreSQL only (the embedded SQLite default searches with LIKE), so it lives here and not on the
model: a generated column `search_document`, kept up to date by PostgreSQL itself whenever a
name or purpose changes, with a GIN index. It replaces the expression index of 0007, which the
planner skipped for common words and then parsed every community's purpose on every search.
communities.selectors.community_directory queries the column with raw SQL.
"""

from django.db import migrations

ADD = """
ALTER TABLE "communities_community" ADD COLUMN IF NOT EXISTS "search_document" tsvector
    GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, COALESCE("name", '') || ' ' || COALESCE("purpose", ''))
    ) STORED;
CREATE INDEX IF NOT EXISTS "community_search_document" ON "communities_community"
    USING gin ("search_document");
DROP INDEX IF EXISTS "community_search";
"""
REMOVE = """
DROP INDEX IF EXISTS "community_search_document";
ALTER TABLE "communities_community" DROP COLUMN IF EXISTS "search_document";
CREATE INDEX IF NOT EXISTS "community_search" ON "communities_community" USING gin
    ((to_tsvector('english'::regconfig, COALESCE("name", '') || ' ' || COALESCE("purpose", ''))));
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE)


class Migration(migrations.Migration):
    dependencies = [("communities", "0007_community_search_index")]

    operations = [migrations.RunPython(add, remove, elidable=False)]
