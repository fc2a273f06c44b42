"""Stored search documents for site search over posts, threads and replies (issue 12).

PostgreSQL only (the embedded SQLite default searches with LIKE), so, as in 0008, they live here
and not on the models: generated columns `search_document` that PostgreSQL keeps up to date
whenever a title or body changes, each with a GIN index, so that a search reads the index rather
than parsing text (100,000 posts and more). A post's title weighs more than its body (A over B);
communities.search ranks with ts_rank over these columns and queries them with raw SQL.
"""

from django.db import migrations

ADD = """
ALTER TABLE "communities_post" ADD COLUMN IF NOT EXISTS "search_document" tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, COALESCE("title", '')), 'A')
        || setweight(to_tsvector('english'::regconfig, COALESCE("body", '')), 'B')
    ) STORED;
CREATE INDEX IF NOT EXISTS "post_search_document" ON "communities_post"
    USING gin ("search_document");
ALTER TABLE "communities_thread" ADD COLUMN IF NOT EXISTS "search_document" tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, COALESCE("title", '')), 'A')
    ) STORED;
CREATE INDEX IF NOT EXISTS "thread_search_document" ON "communities_thread"
    USING gin ("search_document");
ALTER TABLE "communities_reply" ADD COLUMN IF NOT EXISTS "search_document" tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, COALESCE("body", '')), 'B')
    ) STORED;
CREATE INDEX IF NOT EXISTS "reply_search_document" ON "communities_reply"
    USING gin ("search_document");
"""
REMOVE = """
DROP INDEX IF EXISTS "reply_search_document";
ALTER TABLE "communities_reply" DROP COLUMN IF EXISTS "search_document";
DROP INDEX IF EXISTS "thread_search_document";
ALTER TABLE "communities_thread" DROP COLUMN IF EXISTS "search_document";
DROP INDEX IF EXISTS "post_search_document";
ALTER TABLE "communities_post" DROP COLUMN IF EXISTS "search_document";
"""


def add(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE)


class Migration(migrations.Migration):
    dependencies = [("communities", "0011_areas")]

    operations = [migrations.RunPython(add, remove, elidable=False)]
