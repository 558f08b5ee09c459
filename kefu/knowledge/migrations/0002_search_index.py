"""The full-text index over SearchDocument's token columns, one per database:

- SQLite: an FTS5 table with external content (``knowledge_search_fts``) kept in step with
  the documents by three triggers, so the index changes in the same transaction as the row;
- PostgreSQL: a generated ``tsvector`` column (the 'simple' configuration: no stemming, no
  stop words; title weight A, body weight B) with a GIN index.

Both read the same space-separated tokens. Note for later migrations: Django rebuilds an
SQLite table to alter it, which drops its triggers; a migration that alters SearchDocument
must create them again and run ``INSERT INTO knowledge_search_fts(knowledge_search_fts)
VALUES('rebuild')``.
"""

from django.db import migrations

from kefu.core.migration_ops import VendorRunSQL

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE knowledge_search_fts USING fts5(title_tokens, tokens, "
    "content='knowledge_searchdocument', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER knowledge_search_ai AFTER INSERT ON knowledge_searchdocument BEGIN "
    "INSERT INTO knowledge_search_fts(rowid, title_tokens, tokens) "
    "VALUES (new.id, new.title_tokens, new.tokens); END",
    "CREATE TRIGGER knowledge_search_ad AFTER DELETE ON knowledge_searchdocument BEGIN "
    "INSERT INTO knowledge_search_fts(knowledge_search_fts, rowid, title_tokens, tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.tokens); END",
    "CREATE TRIGGER knowledge_search_au AFTER UPDATE ON knowledge_searchdocument BEGIN "
    "INSERT INTO knowledge_search_fts(knowledge_search_fts, rowid, title_tokens, tokens) "
    "VALUES ('delete', old.id, old.title_tokens, old.tokens); "
    "INSERT INTO knowledge_search_fts(rowid, title_tokens, tokens) "
    "VALUES (new.id, new.title_tokens, new.tokens); END",
    "INSERT INTO knowledge_search_fts(knowledge_search_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS knowledge_search_au",
    "DROP TRIGGER IF EXISTS knowledge_search_ad",
    "DROP TRIGGER IF EXISTS knowledge_search_ai",
    "DROP TABLE IF EXISTS knowledge_search_fts",
]
POSTGRES_FORWARD = [
    "ALTER TABLE knowledge_searchdocument ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_tokens), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, tokens), 'B')) STORED",
    "CREATE INDEX kb_doc_tsv ON knowledge_searchdocument USING gin (tsv)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS kb_doc_tsv",
    "ALTER TABLE knowledge_searchdocument DROP COLUMN IF EXISTS tsv",
]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        VendorRunSQL("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        VendorRunSQL("postgresql", POSTGRES_FORWARD, POSTGRES_BACKWARD),
    ]
