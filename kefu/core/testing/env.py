"""Loaded with ``-p kefu.core.testing.env`` (pyproject addopts) before pytest-django reads
the settings: a throw-away data directory, fast password hashing, no stray services."""

import os
import tempfile

os.environ.setdefault("KEFU_DATA_DIR", tempfile.mkdtemp(prefix="kefu-test-"))
os.environ["KEFU_TESTING"] = "1"
os.environ.setdefault("KEFU_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("KEFU_TOKEN_CACHE_SECONDS", "0")  # tests change users between requests
os.environ.setdefault("KEFU_REFERENCE_CACHE_SECONDS", "0")  # and teams, categories, names
if os.environ.get("KEFU_TEST_USE_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["KEFU_TEST_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)
