"""Rule-based, explainable classification of terms-of-service sentences.

A sentence prohibits something when it names the topic (scraping, biometric use,
commercial reuse) *and* carries a prohibition cue that is really addressed to the reader:
- the cue and the topic sit in the same ``;``-segment, or the cue introduces an inline list
  (``You may not: (a) copy...; (b) scrape...``);
- a cue inside a denial (``does not prohibit``, ``n'est pas interdit``, ``nicht untersagt``,
  ``Nothing in these terms prohibits...``) does not count;
- a negated modal right after the operator (``We may not be able to...``) does not count,
  nor does a condition in a sentence where the operator speaks of itself (``We do not use
  facial recognition without your consent``), nor plain negation (``We do not sell your
  data`` has no cue at all);
- a rights reservation (``reserve``, ``Nutzungsvorbehalt``) counts only for text and data
  mining.
Exceptions (``except``, ``unless``, ``sauf``, ``es sei denn``) keep the prohibition and are
quoted in the clause; a topic named only inside the exception does not count. List items
(``- scrape the Service``) inherit the cue of their introduction (``You agree not to:``).
A licence permission is reported only when no prohibition cue is in the sentence. Anything
less certain is left out: precision matters as much as recall.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from provenance.jurisdiction._fold import Folded
from provenance.terms._patterns import BY_CODE, LANGUAGES, Cue, Language, Rule
from provenance.terms.model import ClauseKind, TermsClause
from provenance.terms.text import detect_language, split_sentences

_LIST_ITEM_RE = re.compile(r"^\s*(?:[-•*–·▪◦]\s+|\(?[a-z0-9ivx]{1,4}[.)]\s+)", re.IGNORECASE)
_MAX_SENTENCE = 4000


@dataclass(frozen=True, slots=True)
class _Found:
    label: str
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class _Inherited:
    cue: _Found
    intro: str
    language: str


def classify_text(text: str, language: str | None = None) -> list[TermsClause]:
    """Every clause in ``text``, in order; an empty list means the terms are silent."""
    clauses: list[TermsClause] = []
    context: _Inherited | None = None
    for sentence in split_sentences(text):
        is_item = bool(_LIST_ITEM_RE.match(sentence))
        if not is_item:
            context = None
        clauses += classify_sentence(sentence, language, _inherited=context)
        intro = _intro(sentence, language)
        if intro is not None:
            context = intro
    return _dedupe(clauses)


def classify_sentence(
    sentence: str, language: str | None = None, *, _inherited: _Inherited | None = None
) -> list[TermsClause]:
    """The clauses one sentence makes (at most one per kind)."""
    if not sentence.strip():
        return []
    folded = Folded.of(sentence[:_MAX_SENTENCE])
    text = folded.text
    spoken = detect_language(sentence, min_votes=2) or language
    out: dict[ClauseKind, TermsClause] = {}
    for lang in _order(spoken):
        exception = _exception(text, lang)
        for kind, rules in lang.topics.items():
            if kind in out:
                continue
            topics = [t for t in _find_all(rules, text) if not _inside(t, exception)]
            if not topics:
                continue
            cue = _cue(text, lang, topics, exception)
            context = None
            if cue is not None:
                cue_text = folded.quote(cue.start, cue.end).strip()
            elif _inherited is not None:
                cue_text, context = _inherited.cue.text, _inherited.intro
                cue = _inherited.cue
            else:
                continue
            topic = topics[0]
            out[kind] = TermsClause(
                kind=kind,
                sentence=sentence,
                language=_spoken_code(spoken, lang),
                matched=f"{_short(cue_text)} … {folded.quote(topic.start, topic.end)}",
                rule=f"{lang.code}:{cue.label}+{topic.label}",
                exception=_quote(folded, exception),
                context=context,
            )
        kind = ClauseKind.PERMITS_REUSE_WITH_LICENCE
        if kind not in out:
            clause = _licence(folded, lang, exception)
            if clause is not None:
                out[kind] = clause
    _purpose_not_means(out)
    return list(out.values())


# Collection verbs that say nothing about automation: "harvest information ... for biometric
# identification" forbids a purpose (biometrics), not a way of fetching (scraping).
_GENERIC_COLLECTION = frozenset({"harvest", "systematic-retrieval"})


def _purpose_not_means(out: dict[ClauseKind, TermsClause]) -> None:
    scraping = out.get(ClauseKind.PROHIBITS_SCRAPING)
    if scraping is None or ClauseKind.PROHIBITS_BIOMETRIC not in out:
        return
    topic = scraping.rule.split("+", 1)[-1]
    if topic in _GENERIC_COLLECTION:
        del out[ClauseKind.PROHIBITS_SCRAPING]


def _short(cue: str) -> str:
    """A long cue (``behalten uns ... ausdrücklich vor``) shortened to its two ends."""
    words = cue.split()
    return cue if len(words) <= 6 else " ".join(words[:3]) + " … " + words[-1]


def _spoken_code(spoken: str | None, lang: Language) -> str:
    """The sentence's own language when it is known, else the matching patterns' language."""
    return spoken.split("-")[0].lower() if spoken else lang.code


def _order(language: str | None) -> list[Language]:
    """The declared language's patterns first, then the others (terms mix languages)."""
    first = BY_CODE.get((language or "").split("-")[0].lower())
    return [first, *(x for x in LANGUAGES if x is not first)] if first else list(LANGUAGES)


def _find_all(rules: Iterable[Rule], text: str) -> list[_Found]:
    found = [
        _Found(r.label, m.start(), m.end(), m.group(0)) for r in rules for m in r.rx.finditer(text)
    ]
    found.sort(key=lambda f: f.start)
    return found


def _flagged(lang: Language, flag: str) -> set[str]:
    """Labels of the topics carrying ``flag`` (``tdm`` or ``only``)."""
    return {r.label for rules in lang.topics.values() for r in rules if getattr(r, flag)}


def _cue(
    text: str, lang: Language, topics: list[_Found], exception: tuple[int, int] | None
) -> _Found | None:
    """The first valid prohibition cue for these topics, or None."""
    tdm = any(t.label in _flagged(lang, "tdm") for t in topics)
    only = [t for t in topics if t.label in _flagged(lang, "only")]
    segments = _segments(text)
    candidates: list[tuple[Cue, re.Match[str]]] = []
    for cue in lang.cues:
        if (cue.mode == "reserve" and not tdm) or (cue.mode == "only" and not only):
            continue
        candidates += [(cue, m) for m in cue.rx.finditer(text)]
    candidates.sort(key=lambda cm: cm[1].start())
    for cue, m in candidates:
        span = (m.start(), m.end())
        if _inside(_Found("", *span, ""), exception) or _cancelled(text, lang, span):
            continue
        if cue.mode == "modal" and lang.operator.search(text[: m.start()]):
            continue
        if cue.mode == "subject" and lang.operator_sentence.search(text):
            continue
        governed = only if cue.mode == "only" else topics
        if any(_reaches(span, t, segments, text) for t in governed):
            return _Found(cue.label, m.start(), m.end(), m.group(0))
    for t in topics:
        no = lang.no_before_topic.search(text[: t.start])
        if no is not None and not lang.operator_sentence.search(text):
            return _Found("no-" + t.label, no.start(), no.end(), no.group(0).strip())
    return None


def _segments(text: str) -> list[tuple[int, int]]:
    bounds = [0] + [m.end() for m in re.finditer(";", text)] + [len(text) + 1]
    return list(pairwise(bounds))


def _reaches(
    cue: tuple[int, int], topic: _Found, segments: list[tuple[int, int]], text: str
) -> bool:
    """Whether a cue governs a topic: same ``;``-segment, or the cue opens an inline list."""
    seg_of = next((i for i, (a, b) in enumerate(segments) if a <= cue[0] < b), 0)
    seg_topic = next((i for i, (a, b) in enumerate(segments) if a <= topic.start < b), 0)
    if seg_of == seg_topic:
        return True
    colon = text.find(":", cue[1])
    return seg_of < seg_topic and colon != -1 and colon < segments[seg_of][1]


def _cancelled(text: str, lang: Language, span: tuple[int, int]) -> bool:
    return any(
        m.start() < span[1] and span[0] < m.end() for rx in lang.cancel for m in rx.finditer(text)
    )


def _exception(text: str, lang: Language) -> tuple[int, int] | None:
    """The span of an exception: from its cue to the end of its segment, or to the first
    comma when the sentence opens with it (``Except for search engines, no ...``)."""
    m = lang.exception.search(text)
    if m is None:
        return None
    if not text[: m.start()].strip(" \t-•*–("):
        comma = text.find(",", m.end())
        return (m.start(), comma if comma != -1 else len(text))
    semi = text.find(";", m.end())
    return (m.start(), semi if semi != -1 else len(text))


def _inside(found: _Found, span: tuple[int, int] | None) -> bool:
    return span is not None and span[0] <= found.start < span[1]


def _quote(folded: Folded, span: tuple[int, int] | None) -> str | None:
    if span is None:
        return None
    quoted = folded.quote(*span).strip().rstrip(".;,")
    return quoted or None


def _licence(
    folded: Folded, lang: Language, exception: tuple[int, int] | None
) -> TermsClause | None:
    text = folded.text
    hits = [h for h in _find_all(lang.licence, text) if not _inside(h, exception)]
    if not hits or lang.licence_negated.search(text):
        return None
    for other in LANGUAGES:
        for cue in other.cues:
            if cue.mode not in ("reserve", "only") and cue.rx.search(text):
                return None
    if re.search(r"\b(?:no|aucune?|keine?)\s+licen[cz]", text):
        return None
    hit = hits[0]
    spoken = detect_language(folded.original, min_votes=2)
    return TermsClause(
        kind=ClauseKind.PERMITS_REUSE_WITH_LICENCE,
        sentence=folded.original,
        language=_spoken_code(spoken, lang),
        matched=folded.quote(hit.start, hit.end),
        rule=f"{lang.code}:{hit.label}",
        exception=_quote(folded, exception),
    )


def _intro(sentence: str, language: str | None) -> _Inherited | None:
    """A list introduction that prohibits (``You agree not to:``), to pass to its items."""
    stripped = sentence.rstrip()
    if not stripped.endswith(":"):
        return None
    folded = Folded.of(stripped[:_MAX_SENTENCE])
    text = folded.text
    for lang in _order(language):
        for cue in lang.cues:
            if cue.mode in ("reserve", "only"):
                continue
            for m in cue.rx.finditer(text):
                span = (m.start(), m.end())
                if _cancelled(text, lang, span):
                    continue
                if cue.mode == "modal" and lang.operator.search(text[: m.start()]):
                    continue
                if cue.mode == "subject" and lang.operator_sentence.search(text):
                    continue
                return _Inherited(
                    _Found(cue.label, *span, folded.quote(*span)), stripped, lang.code
                )
    return None


def _dedupe(clauses: list[TermsClause]) -> list[TermsClause]:
    seen: set[tuple[ClauseKind, str]] = set()
    out = []
    for c in clauses:
        if (c.kind, c.sentence) not in seen:
            seen.add((c.kind, c.sentence))
            out.append(c)
    return out
