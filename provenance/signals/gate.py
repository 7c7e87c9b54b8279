"""The opt-out gate: may provtrack fetch this page, fetch this image, keep this image?

The gate is pure. Callers hand it what was already read (the host's robots.txt, ai.txt,
tdmrep.json and terms findings; the page's signals; the image's response headers and embedded
signals) and get a :class:`GateDecision` whose ``reasons`` are the signals that forbid the step,
each carrying its own evidence.

The rules are data (:data:`RULES`): each names the stage it guards and a predicate over one
signal. :func:`evaluate` is the whole interpreter. In ``reproduce`` mode the same evaluation
runs and the step is allowed anyway; ``reasons`` then lists what was overridden.

Signals scoped to another crawler (``<meta name="GPTBot">``, ``otherbot: noai``, another
agent's robots.txt group) are kept in ``considered`` and never restrict. Licences, ``ai-train=yes``
and ``tdm-reservation: 0`` restrict nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from provenance.signals import robotsmeta, tdmrep
from provenance.signals._headers import Headers
from provenance.signals._vocab import (
    IMAGE_RESPONSE_OPTOUT_DIRECTIVES,
    PAGE_IMAGE_OPTOUT_DIRECTIVES,
    PROVTRACK_AGENT,
    TERMS_PROHIBITING_KINDS,
    applies_to_provtrack,
)
from provenance.signals.aitxt import AiTxt
from provenance.signals.contentusage import signals_from_headers
from provenance.signals.model import Level, Signal, SignalKind
from provenance.signals.page import PageSignals
from provenance.signals.robotstxt import RobotsSnapshot
from provenance.signals.rsl import RslDocument
from provenance.signals.tdmrep import TDMREP_FILE_SOURCE, TdmFile
from provenance.vocab import NOT_CAPTURED, CrawlMode


class Stage(StrEnum):
    """The three moments the gate is asked."""

    PAGE = "page"
    IMAGE_BEFORE = "image-before-download"
    IMAGE_AFTER = "image-after-download"


Mode = CrawlMode
"""``compliant`` skips what a signal forbids; ``reproduce`` fetches and lists the overrides."""


@dataclass(frozen=True, slots=True)
class GateRule:
    """One rule of the gate: at ``stage``, a signal for which ``matches`` holds forbids the step."""

    id: str
    stage: Stage
    description: str
    matches: Callable[[Signal], bool]


def _binds(signal: Signal) -> bool:
    return applies_to_provtrack(signal.agent)


RULES: tuple[GateRule, ...] = (
    GateRule(
        "robots-unreachable",
        Stage.PAGE,
        "robots.txt unreachable (5xx, 429, network error, timeout): complete disallow",
        lambda s: s.kind is SignalKind.ROBOTS and s.value == "unreachable",
    ),
    GateRule(
        "robots-not-captured",
        Stage.PAGE,
        "audited from an archive that holds no robots.txt of the host: unknown, never allowed",
        lambda s: s.kind is SignalKind.ROBOTS and s.value == NOT_CAPTURED and _binds(s),
    ),
    GateRule(
        "robots-disallow",
        Stage.PAGE,
        "robots.txt disallows the page for provtrack (its own group, else '*')",
        lambda s: s.kind is SignalKind.ROBOTS and s.value == "disallow" and _binds(s),
    ),
    GateRule(
        "terms-prohibit-scraping",
        Stage.PAGE,
        "the terms of service prohibit scraping or automated access",
        lambda s: s.kind is SignalKind.TERMS and s.value in TERMS_PROHIBITING_KINDS,
    ),
    GateRule(
        "terms-prohibit-scraping",
        Stage.IMAGE_BEFORE,
        "the image host's terms of service prohibit scraping or automated access",
        lambda s: s.kind is SignalKind.TERMS and s.value in TERMS_PROHIBITING_KINDS,
    ),
    GateRule(
        "robots-unreachable",
        Stage.IMAGE_BEFORE,
        "the image host's robots.txt is unreachable: complete disallow",
        lambda s: s.kind is SignalKind.ROBOTS and s.value == "unreachable",
    ),
    GateRule(
        "robots-not-captured",
        Stage.IMAGE_BEFORE,
        "audited from an archive that holds no robots.txt of the image host: never allowed",
        lambda s: s.kind is SignalKind.ROBOTS and s.value == NOT_CAPTURED and _binds(s),
    ),
    GateRule(
        "policy-document-not-captured",
        Stage.IMAGE_BEFORE,
        "audited from an archive that holds no ai.txt, tdmrep.json, terms or named RSL licence "
        "of the image host "
        "(a collection made then could read them): unknown, never allowed",
        lambda s: (
            s.kind
            in (SignalKind.AI_TXT, SignalKind.TDM_RESERVATION, SignalKind.TERMS, SignalKind.RSL)
            and s.value == NOT_CAPTURED
            and s.restricts
        ),
    ),
    GateRule(
        "robots-disallow",
        Stage.IMAGE_BEFORE,
        "robots.txt disallows the image URL for provtrack",
        lambda s: s.kind is SignalKind.ROBOTS and s.value == "disallow" and _binds(s),
    ),
    GateRule(
        "page-robots-directive",
        Stage.IMAGE_BEFORE,
        "the page's meta robots or X-Robots-Tag says noimageindex/noai/noimageai/noml/none "
        "to every crawler or to provtrack",
        lambda s: (
            s.kind in (SignalKind.META_ROBOTS, SignalKind.X_ROBOTS_TAG)
            and s.level is Level.PAGE
            and s.value in PAGE_IMAGE_OPTOUT_DIRECTIVES
            and _binds(s)
        ),
    ),
    GateRule(
        "page-tdm-reservation",
        Stage.IMAGE_BEFORE,
        "the page reserves TDM rights (tdm-reservation: 1 in its header or meta)",
        lambda s: (
            s.kind is SignalKind.TDM_RESERVATION
            and s.value == "1"
            and s.source.startswith(("header:", "meta:"))
        ),
    ),
    GateRule(
        "tdmrep-file-reservation",
        Stage.IMAGE_BEFORE,
        "a /.well-known/tdmrep.json rule reserves the image path",
        lambda s: (
            s.kind is SignalKind.TDM_RESERVATION
            and s.value == "1"
            and s.source == TDMREP_FILE_SOURCE
        ),
    ),
    GateRule(
        "ai-txt-disallow",
        Stage.IMAGE_BEFORE,
        "ai.txt disallows the image URL for provtrack (its own group, else '*')",
        lambda s: s.kind is SignalKind.AI_TXT and s.value == "disallow" and _binds(s),
    ),
    GateRule(
        "content-usage-no-training",
        Stage.IMAGE_BEFORE,
        "Content-Usage says n to a category the crawl's purpose falls under (train-ai, ai-use, "
        "or an older draft's name for them or for all automated processing) on the page or in "
        "provtrack's robots.txt group",
        # contentusage sets restricts from the AIPREF vocabulary and the purpose's labels
        lambda s: s.kind is SignalKind.CONTENT_USAGE and s.restricts and _binds(s),
    ),
    GateRule(
        "content-signal-no-training",
        Stage.IMAGE_BEFORE,
        "Content-Signal says ai-train=no on the page or in provtrack's robots.txt group",
        lambda s: s.kind is SignalKind.CONTENT_SIGNAL and s.value == "ai-train=no" and _binds(s),
    ),
    GateRule(
        "rsl-prohibits",
        Stage.IMAGE_BEFORE,
        "the host's RSL licence prohibits a usage the crawl's purpose falls under for the "
        "image URL (its most specific <content>)",
        lambda s: s.kind is SignalKind.RSL and s.restricts,
    ),
    GateRule(
        "image-x-robots-tag",
        Stage.IMAGE_AFTER,
        "the image response's X-Robots-Tag says noindex/noimageindex/noai/noimageai/noml/none "
        "(or an unavailable_after date that has passed) to every crawler or to provtrack",
        lambda s: (
            s.kind is SignalKind.X_ROBOTS_TAG
            and s.level is Level.IMAGE
            and (
                s.value in IMAGE_RESPONSE_OPTOUT_DIRECTIVES
                or (s.value == "unavailable_after" and s.restricts)
            )
            and _binds(s)
        ),
    ),
    GateRule(
        "image-tdm-reservation",
        Stage.IMAGE_AFTER,
        "the image response reserves TDM rights (tdm-reservation: 1 header)",
        lambda s: (
            s.kind is SignalKind.TDM_RESERVATION
            and s.value == "1"
            and s.source == "header:tdm-reservation"
        ),
    ),
    GateRule(
        "embedded-data-mining",
        Stage.IMAGE_AFTER,
        "the image's own IPTC plus:DataMining or C2PA/CAWG training-mining assertion prohibits it",
        lambda s: (
            s.kind in (SignalKind.IPTC_DATA_MINING, SignalKind.C2PA_TRAINING_MINING) and s.restricts
        ),
    ),
)


@dataclass(frozen=True)
class HostContext:
    """What provtrack read once for a host: robots.txt (required: unknown is never "allowed"),
    ai.txt and tdmrep.json when fetched, and terms findings as (kind, sentence) pairs."""

    robots: RobotsSnapshot
    ai_txt: AiTxt | None = None
    tdmrep: TdmFile | None = None
    terms: Sequence[tuple[str, str]] = ()
    terms_url: str | None = None
    terms_not_captured: str | None = None  # why an audited archive has no terms to read
    rsl: RslDocument | None = None

    def terms_signals(self) -> list[Signal]:
        """One TERMS signal per finding; those prohibiting scraping restrict. Terms an audited
        archive does not hold are one restricting ``not-captured`` signal."""
        if self.terms_not_captured is not None:
            return [
                Signal(
                    SignalKind.TERMS,
                    NOT_CAPTURED,
                    "terms",
                    self.terms_not_captured,
                    Level.HOST,
                    restricts=True,
                    url=self.terms_url,
                )
            ]
        return [
            Signal(
                SignalKind.TERMS,
                kind,
                "terms",
                sentence,
                Level.HOST,
                restricts=kind in TERMS_PROHIBITING_KINDS,
                url=self.terms_url,
            )
            for kind, sentence in self.terms
        ]


@dataclass(frozen=True)
class GateDecision:
    """The gate's answer for one step.

    ``reasons`` are the signals that forbid it (in ``reproduce`` mode: the signals overridden),
    ``rule_ids`` the matching rule of each; ``considered`` is every signal examined, including
    non-restricting and other-agent ones; ``not_consulted`` names inputs that were not
    available (ai.txt or tdmrep.json not fetched, no page).
    """

    allowed: bool
    stage: Stage
    reasons: list[Signal]
    rule_ids: list[str] = field(default_factory=list)
    considered: list[Signal] = field(default_factory=list)
    mode: Mode = Mode.COMPLIANT
    not_consulted: list[str] = field(default_factory=list)


def evaluate(
    stage: Stage,
    signals: Sequence[Signal],
    *,
    mode: Mode = Mode.COMPLIANT,
    considered: Sequence[Signal] | None = None,
    not_consulted: Sequence[str] = (),
) -> GateDecision:
    """Apply :data:`RULES` for ``stage`` to ``signals``: the whole of the gate's logic."""
    reasons: list[Signal] = []
    rule_ids: list[str] = []
    for signal in signals:
        rule = next((r for r in RULES if r.stage is stage and r.matches(signal)), None)
        if rule is not None:
            reasons.append(signal)
            rule_ids.append(rule.id)
    return GateDecision(
        allowed=not reasons or mode is Mode.REPRODUCE,
        stage=stage,
        reasons=reasons,
        rule_ids=rule_ids,
        considered=list(considered if considered is not None else signals),
        mode=mode,
        not_consulted=list(not_consulted),
    )


def check_page(host: HostContext, page_url: str, *, mode: Mode = Mode.COMPLIANT) -> GateDecision:
    """May provtrack fetch ``page_url``? robots.txt (unreachable = disallow) and terms."""
    signals = [*host.robots.signals_for(page_url, PROVTRACK_AGENT), *host.terms_signals()]
    return evaluate(Stage.PAGE, signals, mode=mode)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _line_key(signal: Signal) -> tuple[object, ...]:
    return (signal.url, signal.kind, signal.value, signal.extra.get("line"))


def check_image_before(
    image_host: HostContext,
    image_url: str,
    page: PageSignals | None = None,
    *,
    page_host: HostContext | None = None,
    mode: Mode = Mode.COMPLIANT,
    page_refused: Sequence[Signal] = (),
) -> GateDecision:
    """May provtrack request ``image_url``, found on ``page``?

    ``image_host`` is the context of the image's own host (robots.txt, ai.txt, tdmrep.json
    apply to the image URL). Page-level signals come from ``page``; robots.txt
    Content-Usage/Content-Signal lines are read for the image URL on the image host and for
    the page URL on ``page_host`` (by default the image host when both URLs share a host).
    ``page_refused`` are the signals that forbade fetching the page the image was found on (an
    audit names the page; a crawl never reaches images of a page it refused): they forbid the
    image too.
    """
    # Terms that forbid automated collection cover the host's images too: a page fetched only
    # to read the terms (the home page) must not make its images collectable.
    signals = [
        *image_host.robots.signals_for(image_url, PROVTRACK_AGENT),
        *image_host.terms_signals(),
    ]
    considered: list[Signal] = []
    missing: list[str] = []
    if image_host.tdmrep is not None:
        signals.extend(image_host.tdmrep.signals_for(image_url))
    else:
        missing.append("tdmrep.json")
    if image_host.ai_txt is not None:
        signals.extend(image_host.ai_txt.signals_for(image_url, PROVTRACK_AGENT))
    else:
        missing.append("ai.txt")
    signals.extend(page_refused)
    if image_host.rsl is not None:
        signals.extend(image_host.rsl.signals_for(image_url))
    if page is None:
        if not page_refused:
            missing.append("page")
    else:
        signals.extend(page.meta_robots)
        signals.extend(page.x_robots_tag)
        signals.extend(page.usage)
        # TDMRep priority on the page: the meta overrides the header; only the value in
        # force can restrict, the overridden one stays in `considered`.
        state = tdmrep.resolve(page.tdm_header, page.tdm_meta)
        if state.decided_by is not None:
            signals.append(state.decided_by)
        considered.extend(s for s in page.tdm if s is not state.decided_by)
        host = page_host
        if host is None and _host(page.url) == _host(image_url):
            host = image_host
        if host is not None:
            # The same robots.txt line may cover both the page and the image: keep it once.
            have = {_line_key(s) for s in signals if s.source == "robots.txt"}
            signals.extend(
                s
                for s in host.robots.preference_signals(page.url, PROVTRACK_AGENT)
                if _line_key(s) not in have
            )
    return evaluate(
        Stage.IMAGE_BEFORE,
        signals,
        mode=mode,
        considered=[*signals, *considered],
        not_consulted=missing,
    )


def check_image_after(
    image_url: str,
    image_headers: Headers | None,
    embedded: Sequence[Signal] = (),
    *,
    mode: Mode = Mode.COMPLIANT,
) -> GateDecision:
    """May provtrack keep the image it downloaded? Its response headers and embedded metadata.

    ``embedded`` are the IPTC/C2PA signals provtrack's media module read from the bytes. The
    image's own Content-Usage/Content-Signal headers are recorded in ``considered``; they are
    not among this stage's rules.
    """
    signals = [
        *robotsmeta.x_robots_tag_signals(image_headers, url=image_url, level=Level.IMAGE),
        *tdmrep.header_signals(image_headers, url=image_url, level=Level.IMAGE),
        *embedded,
    ]
    usage = signals_from_headers(image_headers, url=image_url, level=Level.IMAGE)
    return evaluate(Stage.IMAGE_AFTER, signals, mode=mode, considered=[*signals, *usage])
