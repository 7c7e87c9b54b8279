"""The pure evaluator: facts and packs in, one ``Verdict`` per applicable pack out.

How a verdict is reached (legal-notes §0.1 and §8.1):

1. The pack's ``applies_when`` is evaluated. ``False``: the pack does not apply and yields no
   verdict. Unknown (typically: no jurisdiction candidate was inferred): the pack applies,
   its verdict is capped at ``needs-review`` and carries the reason "jurisdiction unknown".
2. Each rule in force on ``facts.observed_on`` is evaluated in three-valued logic. A rule
   that holds *fires*; a rule whose outcome depends on unknown facts is *undecided* and
   counts as ``needs-review`` (never as not firing).
3. The verdict is the most severe of the fired rules (violation > requires-consent >
   needs-review > permitted), at least ``needs-review`` if any rule is undecided, and
   ``needs-review`` when no rule fired. ``permitted`` survives only if every fact the pack
   reads is known; otherwise it becomes ``needs-review`` with the unknown facts named.

Speed: conditions are compiled closures (``policies._cel``), and since a crawl's records
share most facts, each pack memoises its verdict on the tuple of the facts its rules read.
Verdicts are immutable, so a memoised one can be returned to many callers.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from policies._cel import UNKNOWN
from policies.facts import PolicyFacts, unknown_fields
from policies.model import (
    FiredRule,
    Pack,
    PackCache,
    Rule,
    UndecidedRule,
    Verdict,
    VerdictKind,
)

_MEMO_LIMIT: Final = 250_000
_JURISDICTION_FIELDS: Final = frozenset({"site_jurisdictions", "subject_jurisdictions"})
_MISSING: Final = object()
_SEVERITY: Final = {v: v.severity for v in VerdictKind}


def evaluate(facts: PolicyFacts, packs: Sequence[Pack]) -> list[Verdict]:
    """Judge one record against ``packs``: one ``Verdict`` per pack that applies, in order.

    Pure: the result depends only on ``facts`` and ``packs`` (the per-pack memo holds
    derived results only). Unknown facts lead to ``needs-review``, never to ``permitted``.
    """
    out: list[Verdict] = []
    for pack in packs:
        cache = pack.cache
        if cache.rule_getter is None:
            _prepare(pack, cache)
        akey = cache.applies_getter(facts)
        applies = cache.applies_memo.get(akey, _MISSING)
        if applies is _MISSING:
            applies = pack.applies.evaluate(facts)
            if len(cache.applies_memo) >= _MEMO_LIMIT:
                cache.applies_memo.clear()
            cache.applies_memo[akey] = applies
        if applies is False:
            continue
        memo = cache.memo_known if applies is True else cache.memo_unknown
        key = cache.rule_getter(facts)
        verdict = memo.get(key)
        if verdict is None:
            verdict = judge(facts, pack, jurisdiction_known=applies is True)
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            memo[key] = verdict
        out.append(verdict)
    return out


def most_severe(verdicts: Iterable[Verdict]) -> VerdictKind | None:
    """The most severe verdict among ``verdicts`` (``None`` when there are none)."""
    worst: VerdictKind | None = None
    for v in verdicts:
        if worst is None or _SEVERITY[v.verdict] > _SEVERITY[worst]:
            worst = v.verdict
    return worst


def judge(facts: PolicyFacts, pack: Pack, *, jurisdiction_known: bool = True) -> Verdict:
    """Evaluate every rule of ``pack`` on ``facts`` without memo (``evaluate`` caches this)."""
    fired: list[FiredRule] = []
    undecided: list[UndecidedRule] = []
    reasons: list[str] = []
    observed = facts.observed_on
    for rule in pack.rules:
        if observed is not None and observed < rule.effective:
            continue
        result = rule.condition.evaluate(facts)
        if result is True:
            fired.append(_fired(rule))
        elif result is UNKNOWN:
            undecided.append(_undecided(rule, facts))
    verdict: VerdictKind | None = None
    for f in fired:
        if verdict is None or _SEVERITY[f.verdict] > _SEVERITY[verdict]:
            verdict = f.verdict
    if undecided and (verdict is None or verdict is VerdictKind.PERMITTED):
        verdict = VerdictKind.NEEDS_REVIEW
    if verdict is None:
        verdict = VerdictKind.NEEDS_REVIEW
        reasons.append("no rule fired: the facts match no rule of this pack")
    if verdict is VerdictKind.PERMITTED:
        unknown = unknown_fields(facts, _pack_fields(pack))
        if unknown:
            verdict = VerdictKind.NEEDS_REVIEW
            reasons.append("permitted only on fully known facts; unknown: " + ", ".join(unknown))
    if not jurisdiction_known:
        reasons.insert(0, _applicability_reason(pack))
        if _SEVERITY[verdict] > _SEVERITY[VerdictKind.NEEDS_REVIEW]:
            verdict = VerdictKind.NEEDS_REVIEW
    return Verdict(
        pack_id=pack.id,
        pack_version=pack.version,
        jurisdictions=pack.jurisdictions,
        verdict=verdict,
        fired=tuple(fired),
        undecided=tuple(undecided),
        reasons=tuple(reasons),
        jurisdiction_known=jurisdiction_known,
    )


def _fired(rule: Rule) -> FiredRule:
    return FiredRule(rule.id, rule.verdict, rule.citation, rule.explanation, rule.confidence)


def _undecided(rule: Rule, facts: PolicyFacts) -> UndecidedRule:
    return UndecidedRule(
        rule.id,
        rule.verdict,
        unknown_fields(facts, rule.condition.fields),
        rule.citation,
        rule.explanation,
        rule.confidence,
    )


def _applicability_reason(pack: Pack) -> str:
    fields = set(pack.applies.fields)
    if fields <= _JURISDICTION_FIELDS:
        return "jurisdiction unknown: no inferred jurisdiction places this record in or out"
    return "applicability unknown: depends on " + ", ".join(sorted(fields))


def _pack_fields(pack: Pack) -> set[str]:
    fields = set(pack.applies.fields)
    for rule in pack.rules:
        fields.update(rule.condition.fields)
    return fields


def _getter(fields: Iterable[str]) -> Callable[[Any], Any]:
    names = sorted(set(fields))
    if not names:
        return lambda facts: ()
    return operator.attrgetter(*names)


def _prepare(pack: Pack, cache: PackCache) -> None:
    rule_fields: set[str] = {"observed_on"}
    for rule in pack.rules:
        rule_fields.update(rule.condition.fields)
    if any(r.verdict is VerdictKind.PERMITTED for r in pack.rules):
        # The "permitted only on fully known facts" guard also reads the applicability facts.
        rule_fields.update(pack.applies.fields)
    cache.applies_getter = _getter(pack.applies.fields)
    cache.rule_getter = _getter(rule_fields)
