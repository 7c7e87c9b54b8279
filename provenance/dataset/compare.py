"""Does the URL still serve what the dataset holds? ``same``, ``changed``, ``gone`` or ``unknown``.

A dataset's local copy (an img2dataset output file) is compared with what the audit read at the
URL now:

- ``same``: today's bytes hash to the sha256 img2dataset recorded for its download, or to the
  local file's own sha256 (img2dataset usually re-encodes, so the file alone rarely matches);
- ``changed``: the URL answers with other bytes; the detail says whether it is still the same
  photograph by the lookup's rule (:mod:`provenance.matching`: PDQ or pHash distance) or another
  picture altogether;
- ``gone``: the URL answers 404 or 410, or its host no longer resolves;
- ``unknown``: anything else (a timeout, a 5xx or 403, or the URL was not requested because a
  compliant audit does not fetch what an opt-out forbids). Unknown is never read as same.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from provenance.matching import HashSet, QueryImage, compare
from provenance.vocab import Decision, FailureReason, http_failure

GONE_FAILURES = frozenset({http_failure(404), http_failure(410), FailureReason.DNS_ERROR.value})


class Presence(StrEnum):
    """What the URL serves now, against the dataset's copy."""

    SAME = "same"
    CHANGED = "changed"
    GONE = "gone"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Now:
    """What the audit read at the URL: the decision, the failure value if any, the hashes."""

    decision: str
    failure: str | None = None
    sha256: str | None = None
    hashes: HashSet | None = None
    fetched: bool = False


def hashset(media: dict[str, Any] | None) -> HashSet | None:
    """The comparable hashes of a media-facts dict (analysed bytes), or None when absent."""
    if not media or not (media.get("sha256") or media.get("phash") or media.get("pdq")):
        return None
    return HashSet(
        sha256=media.get("sha256"),
        pdq=media.get("pdq"),
        pdq_quality=media.get("pdq_quality"),
        phash=media.get("phash"),
        phash_crops=tuple(media.get("phash_crops") or ()),
    )


def presence(
    recorded_sha256: str | None, local: HashSet | None, now: Now
) -> tuple[Presence, dict[str, Any]]:
    """Compare the dataset's copy (recorded download hash, local file hashes) with ``now``."""
    if not now.fetched or now.sha256 is None:
        if now.failure in GONE_FAILURES:
            return Presence.GONE, {"why": now.failure}
        why = now.failure or (
            "not requested: an opt-out forbids fetching it"
            if now.decision == Decision.SKIPPED
            else "no bytes read"
        )
        return Presence.UNKNOWN, {"why": why}
    known = {h for h in (recorded_sha256, local.sha256 if local else None) if h}
    if not known and local is None:
        return Presence.UNKNOWN, {"why": "the dataset holds no hash and no file for this row"}
    if now.sha256 in known:
        which = "recorded download" if now.sha256 == recorded_sha256 else "local file"
        return Presence.SAME, {"matched": f"sha256 of the {which}"}
    detail: dict[str, Any] = {"now_sha256": now.sha256}
    if local is not None and now.hashes is not None:
        result = compare(QueryImage(local), now.hashes)
        detail["same_photograph"] = result.matched
        detail["comparison"] = result.to_dict()
    return Presence.CHANGED, detail
