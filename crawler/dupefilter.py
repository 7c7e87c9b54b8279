"""Dupefilters that never drop a redirect hop.

Scrapy's dupefilter silently drops a request it has seen, and a redirect loop's second visit
to its first URL is such a request: the loop would end with no response, no error and so no
record. Redirect hops are already capped (``REDIRECT_MAX_TIMES``), so they are let through
and the loop ends in an error the spider records as ``redirect_loop``.
"""

from __future__ import annotations

from typing import Any

from scrapy.dupefilters import RFPDupeFilter
from scrapy_redis.dupefilter import RFPDupeFilter as RedisRFPDupeFilter


def _is_redirect_hop(request: Any) -> bool:
    return bool(request.meta.get("redirect_times"))


class RedirectAwareDupeFilter(RFPDupeFilter):
    """Scrapy's in-memory dupefilter, except for redirect hops."""

    def request_seen(self, request: Any) -> bool:
        if _is_redirect_hop(request):
            return False
        return bool(super().request_seen(request))


class RedisRedirectAwareDupeFilter(RedisRFPDupeFilter):  # type: ignore[misc]
    """scrapy-redis's shared dupefilter, except for redirect hops."""

    def request_seen(self, request: Any) -> bool:
        if _is_redirect_hop(request):
            return False
        return bool(super().request_seen(request))
