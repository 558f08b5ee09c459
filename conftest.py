"""Shared fixtures live in kefu/core/testing/fixtures.py; the test environment variables are
set by kefu/core/testing/env.py, loaded as a plugin before Django reads its settings."""

pytest_plugins = ["kefu.core.testing.fixtures"]
