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

``judge`` is that procedure written plainly; ``evaluate`` gives the same verdicts faster
with three memo levels, all holding derived results only, so they can never change a
verdict (the tests compare the two on random records):

- per pack, the verdict keyed on every fact the pack's rules read (records of one host or
  page share them); switched off for a while when it keeps missing;
- per rule, the outcome keyed on the few facts that rule reads (rules reading candidate
  lists rely on their macros, which memoise on the list);
- per pack, the verdict keyed on the vector of rule outcomes, which repeats far more often
  than the facts behind it, so building a ``Verdict`` is rare.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

from policies.facts import FIELDS, PolicyFacts, unknown_fields
from policies.model import (
    FiredRule,
    Pack,
    PackCache,
    Rule,
    UndecidedRule,
    Verdict,
)
from provenance.vocab import VerdictKind

_MEMO_LIMIT: Final = 250_000
_MEMO_WINDOW: Final = 4_096  # lookups between checks of a pack memo's miss rate
_MEMO_PAUSE: Final = 32_768  # records judged without the pack memo after a poor window
_JURISDICTION_FIELDS: Final = frozenset({"site_jurisdictions", "subject_jurisdictions"})
_CANDIDATE_FIELDS: Final = frozenset(n for n, spec in FIELDS.items() if spec.kind == "candidates")
_MISSING: Final = object()
_SEVERITY: Final = {v: v.severity for v in VerdictKind}
_BY_SEVERITY: Final = {v.severity: v for v in VerdictKind}
_NO_BINDINGS: Final[dict[str, Any]] = {}  # compiled conditions never write to it
_NO_RULE_FIRED: Final = "no rule fired: the facts match no rule of this pack"


def evaluate(facts: PolicyFacts, packs: Sequence[Pack], *, memo: bool = True) -> list[Verdict]:
    """Judge one record against ``packs``: one ``Verdict`` per pack that applies, in order.

    Pure: the result depends only on ``facts`` and ``packs``; ``memo=False`` computes the
    same verdicts without any memo (for measurement). Unknown facts lead to
    ``needs-review``, never to ``permitted``.
    """
    out: list[Verdict] = []
    for pack in packs:
        cache = pack.cache
        if cache.rule_getter is None:
            _prepare(pack, cache)
        if not memo:
            applies = pack.applies.fn(facts, _NO_BINDINGS)
            if applies is not False:
                out.append(judge(facts, pack, jurisdiction_known=applies is True))
            continue
        akey = cache.applies_getter(facts)
        applies = cache.applies_memo.get(akey, _MISSING)
        if applies is _MISSING:
            applies = pack.applies.fn(facts, _NO_BINDINGS)
            if len(cache.applies_memo) >= _MEMO_LIMIT:
                cache.applies_memo.clear()
            cache.applies_memo[akey] = applies
        if applies is False:
            continue
        known = applies is True
        if cache.skip_memo:
            # Lately the records shared too little of what this pack reads for the
            # whole-pack memo to pay: go to the rule memos directly and retry later.
            cache.skip_memo -= 1
            out.append(_judge_memoised(facts, pack, cache, known))
            continue
        memo_table = cache.memo_known if known else cache.memo_unknown
        key = cache.rule_getter(facts)
        verdict = memo_table.get(key)
        cache.lookups += 1
        if verdict is None:
            verdict = _judge_memoised(facts, pack, cache, known)
            if len(memo_table) >= _MEMO_LIMIT:
                memo_table.clear()
            memo_table[key] = verdict
            cache.misses += 1
        if cache.lookups >= _MEMO_WINDOW:
            if cache.misses * 10 > cache.lookups * 8:
                cache.skip_memo = _MEMO_PAUSE
            cache.lookups = cache.misses = 0
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
    """Evaluate every rule of ``pack`` on ``facts`` with no memo: the reference procedure."""
    cache = pack.cache
    if cache.rule_getter is None:
        _prepare(pack, cache)
    fired: list[FiredRule] = []
    undecided: list[UndecidedRule] = []
    observed = facts.observed_on
    for rule in pack.rules:
        if observed is not None and observed < rule.effective:
            continue
        result = rule.condition.evaluate(facts)
        if result is True:
            fired.append(_fired(rule))
        elif result is not False:
            undecided.append(_undecided(rule, facts))
    return _verdict(facts, pack, cache, fired, undecided, jurisdiction_known)


def _judge_memoised(
    facts: PolicyFacts, pack: Pack, cache: PackCache, jurisdiction_known: bool
) -> Verdict:
    """``judge`` through the rule memos and the outcome-vector memo."""
    outcomes: list[Any] = []
    observed = facts.observed_on
    permitted_possible = True
    for effective, fn, rule, getter, rule_memo in cache.plan:
        if observed is not None and observed < effective:
            outcomes.append(False)
            continue
        if rule_memo is None:
            result = fn(facts, _NO_BINDINGS)
            if result is not True and result is not False:
                result = _undecided(rule, facts)
        else:
            key = getter(facts)
            result = rule_memo.get(key, _MISSING)
            if result is _MISSING:
                result = fn(facts, _NO_BINDINGS)
                if result is not True and result is not False:
                    result = _undecided(rule, facts)
                if len(rule_memo) >= _MEMO_LIMIT:
                    rule_memo.clear()
                rule_memo[key] = result
        if result is True:
            outcomes.append(True)
            if rule.verdict is not VerdictKind.PERMITTED:
                permitted_possible = False
        elif result is False:
            outcomes.append(False)
        else:
            outcomes.append(result.unknown_fields)
            permitted_possible = False
    if permitted_possible and cache.has_permitted:
        # The verdict may be "permitted", which also depends on facts outside the outcome
        # vector (the guard reads every fact of the pack): no outcome memo for it.
        return _from_outcomes(facts, pack, cache, outcomes, jurisdiction_known)
    okey = (jurisdiction_known, tuple(outcomes))
    verdict: Verdict | None = cache.outcome_memo.get(okey)
    if verdict is None:
        verdict = _from_outcomes(facts, pack, cache, outcomes, jurisdiction_known)
        if len(cache.outcome_memo) >= _MEMO_LIMIT:
            cache.outcome_memo.clear()
        cache.outcome_memo[okey] = verdict
    return verdict


def _from_outcomes(
    facts: PolicyFacts, pack: Pack, cache: PackCache, outcomes: list[Any], known: bool
) -> Verdict:
    fired: list[FiredRule] = []
    undecided: list[UndecidedRule] = []
    for (_, _, rule, _, _), outcome in zip(cache.plan, outcomes, strict=True):
        if outcome is True:
            fired.append(_fired(rule))
        elif outcome is not False:
            undecided.append(
                UndecidedRule(
                    rule.id, rule.verdict, outcome, rule.citation, rule.explanation, rule.confidence
                )
            )
    return _verdict(facts, pack, cache, fired, undecided, known)


def _verdict(
    facts: PolicyFacts,
    pack: Pack,
    cache: PackCache,
    fired: list[FiredRule],
    undecided: list[UndecidedRule],
    jurisdiction_known: bool,
) -> Verdict:
    reasons: list[str] = []
    verdict: VerdictKind | None = None
    for f in fired:
        if verdict is None or _SEVERITY[f.verdict] > _SEVERITY[verdict]:
            verdict = f.verdict
    if undecided and (verdict is None or verdict is VerdictKind.PERMITTED):
        verdict = VerdictKind.NEEDS_REVIEW
    if verdict is None:
        verdict = VerdictKind.NEEDS_REVIEW
        reasons.append(_NO_RULE_FIRED)
    if verdict is VerdictKind.PERMITTED:
        unknown = unknown_fields(facts, cache.pack_fields)
        if unknown:
            verdict = VerdictKind.NEEDS_REVIEW
            reasons.append("permitted only on fully known facts; unknown: " + ", ".join(unknown))
    if not jurisdiction_known:
        reasons.insert(0, cache.applicability_reason)
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


def _getter(fields: Iterable[str]) -> Callable[[Any], Any]:
    names = sorted(set(fields))
    if not names:
        return lambda facts: ()
    return operator.attrgetter(*names)


def _prepare(pack: Pack, cache: PackCache) -> None:
    rule_fields: set[str] = {"observed_on"}
    for rule in pack.rules:
        rule_fields.update(rule.condition.fields)
    cache.applicability_reason = _applicability_reason(pack)
    cache.pack_fields = frozenset(rule_fields - {"observed_on"} | set(pack.applies.fields))
    cache.has_permitted = any(r.verdict is VerdictKind.PERMITTED for r in pack.rules)
    cache.plan = tuple(
        (
            r.effective,
            r.condition.fn,
            r,
            _getter(r.condition.fields),
            # Rules that read candidate lists would be keyed on values that seldom repeat;
            # their macros memoise on the list themselves (see policies._cel).
            None if _CANDIDATE_FIELDS & set(r.condition.fields) else {},
        )
        for r in pack.rules
    )
    if cache.has_permitted:
        # The "permitted only on fully known facts" guard also reads the applicability facts.
        rule_fields.update(pack.applies.fields)
    cache.applies_getter = _getter(pack.applies.fields)
    cache.rule_getter = _getter(rule_fields)
