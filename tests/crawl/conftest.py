"""The demo crawl fixture lives in tests/conftest.py (shared with the report and policy tests)."""

from tests.conftest import DemoCrawl

__all__ = ["DemoCrawl"]
