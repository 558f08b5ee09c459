"""PostgreSQL: the GIN indexes of tickets and customers are rebuilt over the document's ``tsv`` plus a marker
lexeme naming its id's epoch (``search/epochs.py``), so that the newest matches of a common
word are found inside the index instead of by walking the documents newest first. The
expression must stay the same text as ``epochs.INDEXED_TSV`` (without the alias). Built
without GIN's pending list, which every search would read through. Nothing
changes on SQLite, and no row is rewritten."""

from django.db import migrations

from kefu.core.migration_ops import VendorRunSQL

#: Articles (thousands, never searched through a window) keep their index on ``tsv``.
KINDS = ("ticket", "customer")
#: Frozen here: a later change of ``epochs.EPOCH_BITS`` needs a migration of its own.
EXPRESSION = "(tsv || array_to_tsvector(ARRAY[' epoch ' || (id >> 13)::text]))"

# The new indexes are built first and the old ones dropped last: building takes a SHARE
# lock (searches go on; writes wait), a drop an exclusive one, held until the migration
# commits — so searches wait only for that moment.
FORWARD = [
    *[
        f"CREATE INDEX kb_doc_tsv_epoch_{k} ON knowledge_searchdocument "
        f"USING gin ({EXPRESSION}) WITH (fastupdate = off) WHERE kind = '{k}'"
        for k in KINDS
    ],
    *[f"DROP INDEX IF EXISTS kb_doc_tsv_{k}" for k in KINDS],
]
BACKWARD = [
    *[
        f"CREATE INDEX kb_doc_tsv_{k} ON knowledge_searchdocument USING gin (tsv) "
        f"WHERE kind = '{k}'"
        for k in KINDS
    ],
    *[f"DROP INDEX IF EXISTS kb_doc_tsv_epoch_{k}" for k in KINDS],
]

class Migration(migrations.Migration):
    dependencies = [("knowledge", "0003_search_index_per_kind")]

    operations = [VendorRunSQL("postgresql", FORWARD, BACKWARD)]
