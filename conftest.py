"""Test-wide settings: a throw-away data directory and fast password hashing.

These are set before Django reads its settings (pytest-django sets Django up after the
root conftest is imported).
"""

import os
import tempfile

os.environ.setdefault("KEFU_DATA_DIR", tempfile.mkdtemp(prefix="kefu-test-"))
os.environ["KEFU_TESTING"] = "1"
os.environ.setdefault("KEFU_FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("KEFU_LOGIN_MAX_FAILURES", "5")
if os.environ.get("KEFU_TEST_USE_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["KEFU_TEST_DATABASE_URL"]
else:
    os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

pytest_plugins = ["kefu.core.testing.fixtures"]
