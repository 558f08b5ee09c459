"""``kefu search reindex [--kind ticket|customer|article|all] [--batch N] [--embed]``

Indexes every document of a kind again, in large batches with raw inserts (see
``kefu.knowledge.search.bulk``): after importing many tickets or customers straight into
the database, after restoring a backup, after a dictionary change (to segment old texts
again), or to build a large test database. Search keeps answering while it runs; the
periodic indexer then carries on from where it finished. Prints progress on standard
error and a summary line. Exit codes: 0 done, 2 bad usage.
"""

from __future__ import annotations

import sys
import time

KINDS = ("ticket", "customer", "article")


def add_parser(subparsers) -> None:
    """Register ``search reindex`` on the ``kefu`` command's sub-parsers."""
    p = subparsers.add_parser("search", help="the search index")
    ssub = p.add_subparsers(dest="search_command", required=True)
    r = ssub.add_parser("reindex", help="index every ticket, customer or article again")
    r.add_argument(
        "--kind", choices=[*KINDS, "all"], default="all", help="what to index (default: all)"
    )
    r.add_argument("--batch", type=int, default=None, help="rows per transaction (default 5000)")
    r.add_argument(
        "--embed",
        action="store_true",
        help="also compute missing ticket embeddings (slow: ~15-40 ms a ticket)",
    )
    r.set_defaults(func=cmd_reindex)


def cmd_reindex(args) -> int:
    from .search import bulk

    batch = bulk.BATCH if args.batch is None else args.batch
    if batch < 1:
        print("error: --batch must be at least 1", file=sys.stderr)
        return 2
    kinds = KINDS if args.kind == "all" else (args.kind,)
    for kind in kinds:

        def progress(done, seconds, kind=kind):
            rate = done / seconds if seconds else 0
            print(
                f"\r{kind}: {done:,} indexed ({rate:,.0f}/s)", end="", file=sys.stderr, flush=True
            )

        started = time.perf_counter()
        done = bulk.reindex(kind, batch=batch, embed=args.embed, progress=progress)
        seconds = time.perf_counter() - started
        print(file=sys.stderr)
        print(f"{kind}: {done} documents in {seconds:.1f} s")
    return 0
