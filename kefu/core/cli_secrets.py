"""``kefu secrets reseal``: after a new key is put first in KEFU_SECRETS_KEYS, seal every
stored credential with it (kefu/core/secrets.py); then the old key can be dropped."""

from __future__ import annotations

import json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("secrets", help="stored credentials (encrypted at rest)")
    ssub = p.add_subparsers(dest="secrets_command", required=True)
    r = ssub.add_parser("reseal", help="seal every stored secret with the first key of "
                                       "KEFU_SECRETS_KEYS (after a key rotation)")
    r.set_defaults(func=cmd_reseal)


def cmd_reseal(args) -> int:
    from .secrets import reseal_all

    counts = reseal_all()
    print(json.dumps(counts))
    return 1 if counts["unreadable"] else 0
