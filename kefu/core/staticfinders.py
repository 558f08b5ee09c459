"""Serve a few files from npm's ``node_modules`` as static files, and nothing else from there.

The front-end packages are installed by ``npm ci`` (package.json + package-lock.json); no
third-party code is copied into the repository.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

VENDOR_FILES = {
    "vendor/htmx.min.js": "htmx.org/dist/htmx.min.js",
    "vendor/alpine.min.js": "alpinejs/dist/cdn.min.js",
    "vendor/echarts.min.js": "echarts/dist/echarts.min.js",
}


def node_modules_dir() -> str:
    return str(settings.PROJECT_DIR / "node_modules")


class _VendorStorage(FileSystemStorage):
    """Maps public names ("alpine.min.js") to files inside node_modules."""

    def __init__(self, mapping: dict[str, str]):
        super().__init__(location=node_modules_dir())
        self.mapping = mapping
        self.prefix = "vendor"

    def path(self, name):
        return self.mapping[name]


class VendorFinder(BaseFinder):
    def check(self, **kwargs):
        return []

    def _existing(self) -> dict[str, str]:
        found = {}
        for public, target in VENDOR_FILES.items():
            full = os.path.join(node_modules_dir(), target)
            if os.path.exists(full):
                found[public] = full
        return found

    def find(self, path, find_all=False, **kwargs):
        full = self._existing().get(path)
        if not full:
            return [] if find_all else None
        return [full] if find_all else full

    def list(self, ignore_patterns):
        mapping = {public.split("/", 1)[1]: full for public, full in self._existing().items()}
        storage = _VendorStorage(mapping)
        for name in mapping:
            yield name, storage
