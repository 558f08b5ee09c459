"""``make test``: the whole suite on SQLite, then again on PostgreSQL when
KEFU_TEST_DATABASE_URL is set. Says plainly what it skipped."""

from __future__ import annotations

import os
import subprocess
import sys


def run(label: str, extra_env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== kefu tests on {label} ===", flush=True)
    env = dict(os.environ, **extra_env)
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main() -> int:
    args = sys.argv[1:]
    skipped = []
    code = run("SQLite", {"KEFU_TEST_USE_DATABASE_URL": ""}, args)
    pg = os.environ.get("KEFU_TEST_DATABASE_URL")
    if pg:
        # Browser tests drive the same views; they run once, on SQLite.
        code = run(f"PostgreSQL ({pg.split('@')[-1]})", {"KEFU_TEST_USE_DATABASE_URL": "1"},
                   [*args, "-m", "not browser"]) or code
    else:
        skipped.append("PostgreSQL: set KEFU_TEST_DATABASE_URL=postgres://… to run the "
                       "database tests there too")
    if not os.environ.get("KEFU_TEST_REDIS_URL"):
        skipped.append("Redis: set KEFU_TEST_REDIS_URL=redis://… to run the huey tests on "
                       "RedisHuey too")
    for line in skipped:
        print(f"skipped — {line}")
    return code


if __name__ == "__main__":
    sys.exit(main())
