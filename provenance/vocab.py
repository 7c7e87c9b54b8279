"""provtrack's vocabularies, each defined once as a typed enum.

Every value here is part of the stable record and export format (the store keeps the plain
strings), so a member's value never changes; a new member is added, never renamed. Because
they are ``StrEnum`` members they compare equal to the strings stored and exported, and a
misspelled member is an ``AttributeError`` (or a mypy error), not a silent miss.

This module imports nothing but the standard library: ``policies`` imports it as plain types,
and ``demoweb`` (which imports nothing of ours) keeps its expectations as plain strings that a
test checks against these members.
"""

from __future__ import annotations

from enum import StrEnum


class SignalKind(StrEnum):
    """Every kind of signal provtrack reads; the values are the stable export vocabulary."""

    ROBOTS = "robots"  # robots.txt outcome for one user agent
    AI_TXT = "ai-txt"  # Spawning ai.txt outcome
    TDM_RESERVATION = "tdm-reservation"  # TDMRep reservation (file, header or meta)
    TDM_POLICY = "tdm-policy"  # TDMRep policy URL
    META_ROBOTS = "meta-robots"  # <meta name="robots" | name="<bot>"> directive
    X_ROBOTS_TAG = "x-robots-tag"  # X-Robots-Tag header directive (page or image)
    CONTENT_USAGE = "content-usage"  # IETF AIPREF Content-Usage header or robots rule
    CONTENT_SIGNAL = "content-signal"  # Cloudflare Content-Signal in robots.txt or header
    LICENSE = "license"  # rel=license, JSON-LD license, CC marks
    IPTC_DATA_MINING = "iptc-data-mining"  # XMP plus:DataMining inside the file
    C2PA_TRAINING_MINING = "c2pa-training-mining"  # c2pa./cawg. training-mining assertion
    TERMS = "terms"  # a terms-of-service clause (prohibits scraping, biometric use...)
    OPTOUT_REGISTRY = "optout-registry"  # an opt-out request recorded in provtrack itself
    RSL = "rsl"  # an RSL 1.0 licence element that applies to the URL (robots.txt License, link)


GATE_ORDER: tuple[SignalKind, ...] = (
    SignalKind.ROBOTS,
    SignalKind.TERMS,
    SignalKind.META_ROBOTS,
    SignalKind.X_ROBOTS_TAG,
    SignalKind.TDM_RESERVATION,
    SignalKind.AI_TXT,
    SignalKind.CONTENT_USAGE,
    SignalKind.CONTENT_SIGNAL,
    SignalKind.RSL,
    SignalKind.IPTC_DATA_MINING,
    SignalKind.C2PA_TRAINING_MINING,
)
"""The opt-out kinds in the compliant gate's order (demoweb/MANIFEST.md): how skip reasons
are listed, counted and charted."""


class Level(StrEnum):
    """Where a signal applies: to a whole host, to a page (and so its images), or one image."""

    HOST = "host"
    PAGE = "page"
    IMAGE = "image"


class Status(StrEnum):
    """Outcome of reading one piece of web content (parsers return it instead of raising)."""

    OK = "ok"
    ABSENT = "absent"  # the thing is not there (404, no XMP packet, no header)
    UNPARSEABLE = "unparseable"  # present but not readable as what it claims to be
    TOO_LARGE = "too_large"  # over a size, pixel or decompression cap
    FETCH_FAILED = "fetch_failed"  # network error, timeout, 5xx


class CrawlMode(StrEnum):
    """How a run treats opt-outs (ARCHITECTURE.md, "Crawl modes")."""

    COMPLIANT = "compliant"  # honours every opt-out, records each skip with its evidence
    REPRODUCE = "reproduce"  # collects what is reachable (demo web / allowed hosts only)
    AUDIT = "audit"  # checks someone else's list of image URLs or archive, keeps no bytes


CRAWL_MODES: tuple[CrawlMode, ...] = (CrawlMode.COMPLIANT, CrawlMode.REPRODUCE)
"""The modes ``provtrack crawl`` runs; ``audit`` has its own command."""


class Decision(StrEnum):
    """What the crawl did with a page (``fetched``) or an image (``collected``)."""

    FETCHED = "fetched"  # a page was downloaded and read
    COLLECTED = "collected"  # an image was downloaded and kept
    SKIPPED = "skipped"  # an opt-out forbade it (compliant mode, or the registry in any mode)
    FAILED = "failed"  # it could not be fetched or read; the reason says why


FAILURE = "failure"
"""The ``kind`` of a reason that is a failure, not a signal (its ``value`` is a FailureReason)."""


class FailureReason(StrEnum):
    """Why a page or image could not be fetched or read (``http_<status>`` besides these)."""

    REFUSED_ADDRESS = "refused_address"  # private, link-local, loopback, reserved target
    REFUSED_HOST = "refused_host"  # reproduce mode on a host nobody allowed
    REDIRECT_LOOP = "redirect_loop"
    TOO_LARGE = "too_large"  # over the download, decompression or pixel cap
    TIMEOUT = "timeout"
    DNS_ERROR = "dns_error"
    FETCH_FAILED = "fetch_failed"  # any other network failure
    UNPARSEABLE = "unparseable"  # the bytes are not the image they claim to be
    NO_HOST_POLICY = "no_host_policy"  # the host's policy documents were never read


def http_failure(status: int) -> str:
    """The failure reason of an HTTP error status (``http_404``)."""
    return f"http_{status}"


class SkipStage(StrEnum):
    """When an image was skipped: before its request left, or once its bytes were read."""

    BEFORE_DOWNLOAD = "before-download"
    AFTER_DOWNLOAD = "after-download"


class SnapshotKind(StrEnum):
    """The host documents the gate reads before any page or image of a host."""

    ROBOTS = "robots"
    AI_TXT = "ai_txt"
    TDMREP = "tdmrep"
    HOME = "home"
    TERMS = "terms"
    RSL = "rsl"  # optional: the RSL licence robots.txt or the home page names


class RunStatus(StrEnum):
    """A crawl run's (or an evaluation's) state in the store."""

    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"


class VerdictKind(StrEnum):
    """The verdict scale of legal-notes §0.1, most severe first."""

    VIOLATION = "violation"
    REQUIRES_CONSENT = "requires-consent"
    NEEDS_REVIEW = "needs-review"
    PERMITTED = "permitted"

    @property
    def severity(self) -> int:
        """Higher is more severe: violation 3 > requires-consent 2 > needs-review 1 > 0."""
        return _SEVERITY[self]


_SEVERITY = {
    VerdictKind.VIOLATION: 3,
    VerdictKind.REQUIRES_CONSENT: 2,
    VerdictKind.NEEDS_REVIEW: 1,
    VerdictKind.PERMITTED: 0,
}

VERDICT_ORDER: tuple[VerdictKind, ...] = tuple(VerdictKind)
"""Verdicts, most severe first, as tables and reports list them."""


class SourceType(StrEnum):
    """What kind of source a site is; several statutes' "publicly available" exceptions are
    closed lists of these (legal-notes §0.3)."""

    SOCIAL_MEDIA = "social_media"
    NEWS_PUBLICATION = "news_publication"
    BOOK_OR_MAGAZINE = "book_or_magazine"
    BUSINESS_DIRECTORY = "business_directory"
    TELEPHONE_DIRECTORY = "telephone_directory"
    STATUTORY_REGISTRY = "statutory_registry"
    COURT_RECORD = "court_record"
    PERSONAL_SITE = "personal_site"
    SCHOOL_NEWSLETTER = "school_newsletter"
    PHOTO_SHARING = "photo_sharing"
    VIDEO_PLATFORM = "video_platform"
    PAYMENT_FEED = "payment_feed"
    IMAGE_GALLERY = "image_gallery"
    OTHER = "other"
    UNKNOWN = "unknown"


class RobotsStatus(StrEnum):
    """robots.txt as the policy facts see it for provtrack's agent (RFC 9309)."""

    ALLOW = "allow"
    DISALLOW = "disallow"
    UNREACHABLE = "unreachable"  # 5xx or no answer: complete disallow
    UNAVAILABLE = "unavailable"  # 4xx: no restriction
    UNKNOWN = "unknown"


class OptoutSignal(StrEnum):
    """The policy facts' names for the machine-readable opt-outs a record carries."""

    NOAI = "noai"
    NOIMAGEAI = "noimageai"
    NOIMAGEINDEX = "noimageindex"
    NOML = "noml"
    TDM_RESERVATION = "tdm_reservation"
    IPTC_DMI_PROHIBITED = "iptc_dmi_prohibited"
    C2PA_TRAINING_NOT_ALLOWED = "c2pa_training_not_allowed"
    ROBOTS_DISALLOW = "robots_disallow"
    AI_TXT_DISALLOW = "ai_txt_disallow"
    CONTENT_USAGE_NO = "content_usage_no"
    RSL_PROHIBITED = "rsl_prohibited"


class ConsentEvidence(StrEnum):
    """What consent a record shows: a copyright licence is never privacy consent."""

    NONE = "none"
    LICENSE = "license"
    EXPLICIT = "explicit"


class Purpose(StrEnum):
    """The declared purposes a purpose profile may name."""

    FACIAL_RECOGNITION_DATABASE = "facial_recognition_database"
    RESEARCH = "research"
    ARCHIVING = "archiving"
    JOURNALISM = "journalism"
    INVESTIGATION = "investigation"
    EDUCATION = "education"
    AI_TRAINING = "ai_training"
    OTHER = "other"


def values(vocabulary: type[StrEnum]) -> frozenset[str]:
    """The plain string values of a vocabulary (what the store and the rule checker hold)."""
    return frozenset(member.value for member in vocabulary)
