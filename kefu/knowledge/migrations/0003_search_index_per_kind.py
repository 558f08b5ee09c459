"""One full-text index per kind of document (article, ticket, customer) instead of one for
all: a search for articles no longer walks a common word's postings over a million tickets
before the kind filter, and each kind's relevance statistics are its own.

- SQLite: three FTS5 tables ``knowledge_search_fts_<kind>``, each with external content
  (the document table, rowid = document id) and kept in step by the same three triggers,
  whose statements each touch only the table of the row's kind. They are filled from the
  tokens already stored: nothing is segmented again.
- PostgreSQL: the ``tsv`` column stays; its GIN index becomes three partial GIN indexes
  (``WHERE kind = '<kind>'``).

Note for later migrations: Django rebuilds an SQLite table to alter it, which drops its
triggers; a migration that alters SearchDocument must create them again (the statements
below) and refill each table with ``REFILL``. Never run FTS5's ``'rebuild'`` command on
these tables: it would read every document, of every kind, into each.
"""

from django.db import migrations

from kefu.core.migration_ops import VendorRunSQL

KINDS = ("article", "ticket", "customer")
OPTIONS = (
    "content='knowledge_searchdocument', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0'"
)


def _fts(kind):
    return f"knowledge_search_fts_{kind}"


def _add(kind, row):
    return (
        f"INSERT INTO {_fts(kind)}(rowid, title_tokens, tokens) "
        f"SELECT {row}.id, {row}.title_tokens, {row}.tokens WHERE {row}.kind = '{kind}';"
    )


def _remove(kind, row):
    return (
        f"INSERT INTO {_fts(kind)}({_fts(kind)}, rowid, title_tokens, tokens) "
        f"SELECT 'delete', {row}.id, {row}.title_tokens, {row}.tokens "
        f"WHERE {row}.kind = '{kind}';"
    )


OLD_TRIGGERS = [
    "DROP TRIGGER IF EXISTS knowledge_search_au",
    "DROP TRIGGER IF EXISTS knowledge_search_ad",
    "DROP TRIGGER IF EXISTS knowledge_search_ai",
]
TRIGGERS = [
    "CREATE TRIGGER knowledge_search_ai AFTER INSERT ON knowledge_searchdocument BEGIN "
    + " ".join(_add(k, "new") for k in KINDS)
    + " END",
    "CREATE TRIGGER knowledge_search_ad AFTER DELETE ON knowledge_searchdocument BEGIN "
    + " ".join(_remove(k, "old") for k in KINDS)
    + " END",
    # Only a change of the tokens touches the index (not an embedding or a meta update).
    "CREATE TRIGGER knowledge_search_au AFTER UPDATE OF id, kind, title_tokens, tokens "
    "ON knowledge_searchdocument BEGIN "
    + " ".join(_remove(k, "old") for k in KINDS)
    + " "
    + " ".join(_add(k, "new") for k in KINDS)
    + " END",
]
REFILL = [
    f"INSERT INTO {_fts(k)}(rowid, title_tokens, tokens) SELECT id, title_tokens, tokens "
    f"FROM knowledge_searchdocument WHERE kind = '{k}'"
    for k in KINDS
]

SQLITE_FORWARD = [
    *OLD_TRIGGERS,
    "DROP TABLE IF EXISTS knowledge_search_fts",
    *[f"CREATE VIRTUAL TABLE {_fts(k)} USING fts5(title_tokens, tokens, {OPTIONS})" for k in KINDS],
    *TRIGGERS,
    *REFILL,
]
# Back to migration 0002's single table.
SQLITE_BACKWARD = [
    *OLD_TRIGGERS,
    *[f"DROP TABLE IF EXISTS {_fts(k)}" for k in KINDS],
    f"CREATE VIRTUAL TABLE knowledge_search_fts USING fts5(title_tokens, tokens, {OPTIONS})",
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
POSTGRES_FORWARD = [
    "DROP INDEX IF EXISTS kb_doc_tsv",
    *[
        f"CREATE INDEX kb_doc_tsv_{k} ON knowledge_searchdocument USING gin (tsv) "
        f"WHERE kind = '{k}'"
        for k in KINDS
    ],
]
POSTGRES_BACKWARD = [
    *[f"DROP INDEX IF EXISTS kb_doc_tsv_{k}" for k in KINDS],
    "CREATE INDEX kb_doc_tsv ON knowledge_searchdocument USING gin (tsv)",
]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0002_search_index")]

    operations = [
        VendorRunSQL("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        VendorRunSQL("postgresql", POSTGRES_FORWARD, POSTGRES_BACKWARD),
    ]
