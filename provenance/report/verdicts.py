"""The report's "Verdicts per jurisdiction" section: each pack's counts and its rules' firings.

A class reading "fired violation 26" beside "0 violations", or a minors rule that "fired 52"
on a web with 13 minors, needs the why in the same row. So each pack's counts add up to the
run's records (``outside``: records the pack's jurisdiction does not cover), the needs-review
records that a rule would have made more severe are counted as ``capped`` with the reason,
and each rule's firings are broken down by the facts it reads that a reader can check
(:data:`DESCRIBED`: a minor or of unknown age, a face or not...).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from policies import Pack
from policies.facts import PolicyFacts
from provenance.store.models import VerdictOutcome
from provenance.vocab import VERDICT_ORDER as VOCAB_VERDICT_ORDER
from provenance.vocab import VerdictKind

VERDICT_ORDER = tuple(v.value for v in VOCAB_VERDICT_ORDER)
SEVERITY = {v: len(VERDICT_ORDER) - i for i, v in enumerate(VERDICT_ORDER)}
UNKNOWN_JURISDICTION = "jurisdiction unknown"
_UNKNOWN_APPLICABILITY = "applicability unknown: depends on "
_MAX_GROUPS = 3  # fact groups spelled out per rule and run; the rest are summed

FactKey = tuple[Any, ...]


def _tri(yes: str, no: str, unknown: str) -> Callable[[Any], str]:
    return lambda v: unknown if v is None else yes if v else no


# the facts a rule's firings are broken down by: those a reader can check on the record
DESCRIBED: tuple[tuple[str, Callable[[Any], str]], ...] = (
    ("subject_is_minor", _tri("a minor", "an adult", "age unknown")),
    ("contains_face", _tri("a face", "no face", "face unknown")),
    ("consent_evidence", lambda v: f"consent evidence {v}"),
    ("source_type", lambda v: f"source {v}"),
    ("robots_allowed", _tri("robots.txt allows", "robots.txt disallows", "robots.txt unknown")),
    (
        "tos_prohibits_scraping",
        _tri("terms forbid scraping", "terms do not forbid scraping", "terms unknown"),
    ),
    (
        "uploader_is_subject",
        _tri("posted by the person pictured", "posted by someone else", "poster unknown"),
    ),
    ("optout_signals", lambda v: "an opt-out signal" if v else "no opt-out signal"),
)
_DESCRIBED_NAMES = tuple(name for name, _ in DESCRIBED)


def fact_key(facts: PolicyFacts) -> FactKey:
    """The values of :data:`DESCRIBED` for one record (opt-out signals: whether any)."""
    return (
        facts.subject_is_minor,
        facts.contains_face,
        str(facts.consent_evidence),
        str(facts.source_type),
        facts.robots_allowed,
        facts.tos_prohibits_scraping,
        facts.uploader_is_subject,
        bool(facts.optout_signals),
    )


def verdict_words(verdict: str) -> str:
    """A verdict as the end of "would be ..." / "gave ..."."""
    words: dict[str, str] = {
        VerdictKind.VIOLATION: "a violation",
        VerdictKind.REQUIRES_CONSENT: "lawful only with consent",
        VerdictKind.NEEDS_REVIEW: "needs review",
        VerdictKind.PERMITTED: "permitted",
    }
    return words.get(verdict, verdict)


def cap_reason(reasons: Sequence[str]) -> str | None:
    """Why a verdict was capped at needs-review, in words (None: it was not capped)."""
    for r in reasons:
        if r.startswith(UNKNOWN_JURISDICTION):
            return "the subject's location is unknown"
        if r.startswith(_UNKNOWN_APPLICABILITY):
            return r[len(_UNKNOWN_APPLICABILITY) :] + " unknown"
    return None


def capped_text(would_be: str, because: str | None) -> str:
    """ "would be a violation; needs review because the subject's location is unknown"."""
    return (
        f"would be {verdict_words(would_be)}; needs review because {because or 'a fact is unknown'}"
    )


def capped_fields(
    verdict: str, rules: Sequence[Mapping[str, Any]], reasons: Sequence[str]
) -> dict[str, str | None]:
    """A verdict's cap, as ``show`` and ``lookup`` print it beside the verdict: ``would_be``
    (the fired verdict it was capped from, or None), ``capped_because`` and ``capped`` (the
    sentence the report uses); all None when the verdict was not capped."""
    worse = would_be(verdict, [r for r in rules if "verdict" in r])
    if worse is None:
        return {"would_be": None, "capped_because": None, "capped": None}
    because = cap_reason(reasons)
    return {"would_be": worse, "capped_because": because, "capped": capped_text(worse, because)}


def would_be(verdict: str, rules: Sequence[Mapping[str, Any]]) -> str | None:
    """The most severe fired verdict when it is more severe than the verdict given (capped)."""
    worst = max(
        (str(r["verdict"]) for r in rules if "verdict" in r),
        key=lambda v: SEVERITY.get(v, 0),
        default="",
    )
    return worst if SEVERITY.get(worst, 0) > SEVERITY.get(verdict, 0) else None


@dataclass(slots=True)
class FiredGroup:
    """Records a rule fired on that share the described facts it reads."""

    facts: str
    records: int


@dataclass(slots=True)
class RuleSummary:
    """One rule of a pack: how often it fired or stayed undecided, per run, and why.

    ``capped``: firings whose record got a milder verdict (the pack's jurisdiction could not
    be placed), ``capped_because`` the reason in words; ``fired_all``: the described facts
    every firing shared, ``fired_on``: the firings by those that differ, most frequent first.
    """

    id: str
    verdict: str
    citation: str
    explanation: str
    confidence: str
    fired: dict[str, int] = field(default_factory=dict)
    undecided: dict[str, int] = field(default_factory=dict)
    capped: dict[str, int] = field(default_factory=dict)
    capped_because: str = ""
    fired_all: dict[str, str] = field(default_factory=dict)
    fired_on: dict[str, list[FiredGroup]] = field(default_factory=dict)

    def why(self, run_id: str) -> str:
        """The row's explanation of its counts in one run, in words ("" when it never fired)."""
        fired = self.fired.get(run_id, 0)
        parts: list[str] = []
        groups = self.fired_on.get(run_id, [])
        shared = self.fired_all.get(run_id, "")
        if fired and (groups or shared):
            head = f"fired on {fired}" + (f", all {shared}" if shared else "")
            parts.append(
                head
                + (": " + "; ".join(f"{g.records} {g.facts}" for g in groups) if groups else "")
            )
        capped = self.capped.get(run_id, 0)
        if capped:
            every = "all" if capped == fired else f"{capped} of"
            parts.append(
                f"{every} {fired} capped: {capped_text(self.verdict, self.capped_because)}"
            )
        undecided = self.undecided.get(run_id, 0)
        if undecided:
            parts.append(f"undecided on {undecided}: a fact it reads is unknown")
        return ". ".join(parts)


@dataclass(slots=True)
class PackSummary:
    """One pack's verdict counts per run and the rules behind them.

    Per run, ``counts`` plus ``outside`` (records the pack does not apply to: their
    jurisdiction is placed elsewhere) is the run's records; ``capped`` counts the
    needs-review records a fired rule would have made more severe, by that verdict.
    """

    pack: str
    name: str
    versions: list[str]
    jurisdiction: str
    jurisdictions: list[str]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    jurisdiction_unknown: dict[str, int] = field(default_factory=dict)
    outside: dict[str, int] = field(default_factory=dict)
    capped: dict[str, dict[str, int]] = field(default_factory=dict)
    rules: list[RuleSummary] = field(default_factory=list)


class _Tally:
    """What :func:`verdict_summaries` accumulates per pack while it reads the outcomes."""

    def __init__(self) -> None:
        self.packs: dict[str, PackSummary] = {}
        self.versions: dict[str, set[str]] = defaultdict(set)
        self.rules: dict[str, dict[str, RuleSummary]] = defaultdict(dict)
        # pack → rule → run → described facts → records
        self.groups: dict[tuple[str, str, str], Counter[FactKey]] = defaultdict(Counter)

    def pack(self, v: VerdictOutcome, loaded: Mapping[str, Pack]) -> PackSummary:
        known = loaded.get(v.pack)
        self.versions[v.pack].add(v.pack_version)
        return self.packs.setdefault(
            v.pack,
            PackSummary(
                pack=v.pack,
                name=known.name if known else v.pack,
                versions=[],
                jurisdiction=v.jurisdiction,
                jurisdictions=list(known.jurisdictions) if known else [v.jurisdiction],
            ),
        )

    def rule(self, pack_id: str, rule: Mapping[str, Any]) -> RuleSummary:
        return self.rules[pack_id].setdefault(
            rule["id"],
            RuleSummary(
                id=rule["id"],
                verdict=rule.get("verdict") or rule.get("would_yield") or "",
                citation=rule.get("citation", ""),
                explanation=rule.get("explanation", ""),
                confidence=rule.get("confidence", ""),
            ),
        )


def _add(
    tally: _Tally,
    summary: PackSummary,
    run_id: str,
    v: VerdictOutcome,
    key: FactKey,
    n: int,
) -> None:
    """Count ``n`` records of one run that received outcome ``v`` and share ``key``."""
    counts = summary.counts.setdefault(run_id, dict.fromkeys(VERDICT_ORDER, 0))
    counts[v.verdict] = counts.get(v.verdict, 0) + n
    if any(r.startswith(UNKNOWN_JURISDICTION) for r in v.reasons):
        summary.jurisdiction_unknown[run_id] = summary.jurisdiction_unknown.get(run_id, 0) + n
    worse = would_be(v.verdict, v.rules)
    if worse is not None:
        capped = summary.capped.setdefault(run_id, {})
        capped[worse] = capped.get(worse, 0) + n
    because = cap_reason(v.reasons)
    for rule in v.rules:
        entry = tally.rule(v.pack, rule)
        if "verdict" not in rule:
            entry.undecided[run_id] = entry.undecided.get(run_id, 0) + n
            continue
        entry.fired[run_id] = entry.fired.get(run_id, 0) + n
        if SEVERITY.get(str(rule["verdict"]), 0) > SEVERITY.get(v.verdict, 0):
            entry.capped[run_id] = entry.capped.get(run_id, 0) + n
            entry.capped_because = entry.capped_because or because or ""
        tally.groups[(v.pack, entry.id, run_id)][key] += n


def _fired_on(fields: Sequence[str], groups: Counter[FactKey]) -> tuple[str, list[FiredGroup]]:
    """A rule's firings by the described facts among ``fields``: the facts they all share,
    and the groups by the facts that differ, most first (the rest summed)."""
    index = [i for i, name in enumerate(_DESCRIBED_NAMES) if name in fields]
    if not index:
        return "", []
    values = {i: {key[i] for key, n in groups.items() if n} for i in index}
    common = [i for i in index if len(values[i]) == 1]
    differ = [i for i in index if len(values[i]) > 1]
    shared = ", ".join(DESCRIBED[i][1](next(iter(values[i]))) for i in common)
    if not differ:
        return shared, []
    projected: Counter[str] = Counter()
    for key, n in groups.items():
        projected[", ".join(DESCRIBED[i][1](key[i]) for i in differ)] += n
    ordered = projected.most_common()
    out = [FiredGroup(facts, n) for facts, n in ordered[:_MAX_GROUPS]]
    rest = sum(n for _, n in ordered[_MAX_GROUPS:])
    if rest:
        out.append(FiredGroup("with other facts", rest))
    return shared, out


def verdict_summaries(
    fact_counts: Mapping[str, Counter[tuple[int, FactKey]]],
    outcomes: Mapping[int, VerdictOutcome],
    records: Mapping[str, int],
    loaded: Mapping[str, Pack],
) -> list[PackSummary]:
    """Every pack's summary over the runs.

    ``fact_counts``: per run, how many records received each outcome with each
    :func:`fact_key`; ``records``: each run's image records; ``loaded``: the built-in packs
    by id (names, rule order and the facts each rule reads).
    """
    tally = _Tally()
    for run_id, counted in fact_counts.items():
        for (outcome_id, key), n in sorted(counted.items(), key=lambda item: item[0][0]):
            v = outcomes[outcome_id]
            _add(tally, tally.pack(v, loaded), run_id, v, key, n)
    for pack_id, summary in tally.packs.items():
        summary.versions = sorted(tally.versions[pack_id])
        known = loaded.get(pack_id)
        order = {r.id: i for i, r in enumerate(known.rules)} if known else {}
        fields = {r.id: r.condition.fields for r in known.rules} if known else {}
        summary.rules = sorted(
            tally.rules[pack_id].values(), key=lambda r: (order.get(r.id, len(order)), r.id)
        )
        for rule in summary.rules:
            for run_id in rule.fired:
                groups = tally.groups[(pack_id, rule.id, run_id)]
                shared, split = _fired_on(fields.get(rule.id, ()), groups)
                rule.fired_all[run_id] = shared
                rule.fired_on[run_id] = split
        for run_id, total in records.items():
            counts = summary.counts.setdefault(run_id, dict.fromkeys(VERDICT_ORDER, 0))
            summary.outside[run_id] = total - sum(counts.values())
    return [
        tally.packs[p] for p in sorted(tally.packs, key=lambda p: (tally.packs[p].jurisdiction, p))
    ]


def capped_note(pack: PackSummary, run_id: str) -> str:
    """What the pack's needs-review count of one run holds that is more than a question:
    "40 with the subject's location unknown: 26 would be a violation, 3 would be lawful only
    with consent" ("" when nothing was capped)."""
    capped = pack.capped.get(run_id, {})
    parts = [f"{capped[v]} would be {verdict_words(v)}" for v in VERDICT_ORDER if capped.get(v)]
    unknown = pack.jurisdiction_unknown.get(run_id, 0)
    if unknown:
        return f"{unknown} with the subject's location unknown" + (
            ": " + ", ".join(parts) if parts else ""
        )
    return ", ".join(parts)


@dataclass(slots=True)
class VerdictLine:
    """One line of a record's verdicts: the verdict, the packs that gave it, and for capped
    ones what they would have been and why."""

    verdict: str
    packs: list[str]
    note: str = ""


def verdict_lines(verdicts: Sequence[Mapping[str, Any]]) -> list[VerdictLine]:
    """A record's verdicts grouped by verdict, most severe first; capped ones apart."""
    lines: list[VerdictLine] = []
    for verdict in VERDICT_ORDER:
        plain = [str(v["pack"]) for v in verdicts if v["verdict"] == verdict and not v["would_be"]]
        if plain:
            lines.append(VerdictLine(verdict, plain))
        capped: dict[str, list[str]] = {}
        for v in verdicts:
            if v["verdict"] == verdict and v["would_be"]:
                note = capped_text(str(v["would_be"]), str(v.get("capped_because") or ""))
                capped.setdefault(note, []).append(str(v["pack"]))
        lines += [VerdictLine(verdict, packs, note) for note, packs in capped.items()]
    return lines


def worst_of(verdicts: Sequence[str | None]) -> str:
    """The most severe of some verdicts ("" for none)."""
    return max((v for v in verdicts if v), key=lambda v: SEVERITY.get(v, 0), default="")


@dataclass(slots=True)
class PackLine:
    """Packs that judged a record alike, condensed for an evidence trail: their verdict, the
    capped or location note, the rules that fired (one pack at a time: rule ids are a pack's
    own) and the other reasons in words."""

    packs: list[str]
    verdict: str
    note: str
    fired: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def pack_lines(verdicts: Sequence[Mapping[str, Any]]) -> list[PackLine]:
    """A record's verdicts as lines, most severe first: a pack whose rules fired has its own
    line, the others are grouped by verdict and note (``fired``: ``{id, verdict,
    confidence}``)."""
    lines: dict[tuple[Any, ...], PackLine] = {}
    for v in sorted(verdicts, key=lambda v: -SEVERITY.get(str(v["verdict"]), 0)):
        reasons = [str(r) for r in v["reasons"]]
        if v.get("would_be"):
            note = capped_text(str(v["would_be"]), str(v.get("capped_because") or ""))
        else:
            note = cap_reason(reasons) or ""
        others = [r for r in reasons if cap_reason([r]) is None]
        fired = list(v["fired"])
        key = (str(v["pack"]),) if fired else (str(v["verdict"]), note, tuple(others))
        line = lines.setdefault(key, PackLine([], str(v["verdict"]), note, fired, others))
        line.packs.append(str(v["pack"]))
    return list(lines.values())


def unknown_facts(verdicts: Sequence[Mapping[str, Any]]) -> tuple[int, list[str]]:
    """How many rules stayed undecided on a record, over all packs, and the facts they lacked."""
    undecided = [r for v in verdicts for r in v["undecided"]]
    fields = sorted({str(f) for r in undecided for f in r.get("unknown_fields") or []})
    return len(undecided), fields
