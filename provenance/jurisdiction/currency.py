"""Currency marks in page text or JSON-LD ``priceCurrency`` → weak audience evidence.

Unambiguous marks point at one country (``CAD``, ``C$``, ``CA$`` → Canada; ``USD``,
``US$`` → United States; ``£``/``GBP`` → United Kingdom). A bare ``$`` and the euro are
recorded without a code: the dollar is used by dozens of countries and the euro by twenty,
so they alone point nowhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from provenance.jurisdiction.model import Evidence, EvidenceSource

WEIGHT_CURRENCY = 0.25

_MARKS: tuple[tuple[str, str | None, str], ...] = (
    (r"(?<![A-Za-z])(?:C\$|CA\$|CAD)(?![A-Za-z])", "CA", "Canadian dollar"),
    (r"(?<![A-Za-z])(?:US\$|USD)(?![A-Za-z])", "US", "US dollar"),
    (r"(?<![A-Za-z])(?:A\$|AU\$|AUD)(?![A-Za-z])", "AU", "Australian dollar"),
    (r"(?<![A-Za-z])(?:NZ\$|NZD)(?![A-Za-z])", "NZ", "New Zealand dollar"),
    (r"£|(?<![A-Za-z])GBP(?![A-Za-z])", "GB", "pound sterling"),
    (r"(?<![A-Za-z])CHF(?![A-Za-z])", "CH", "Swiss franc"),
    (r"€|(?<![A-Za-z])EUR(?![A-Za-z])", None, "euro: used across the euro area, no single country"),
    (r"(?<![A-Za-z$])\$(?=\s?\d)", None, "bare $: used by many countries, ambiguous"),
)
_COMPILED = tuple((re.compile(p), code, why) for p, code, why in _MARKS)


def currency_evidence(text: str | None, *, where: str = "page text") -> list[Evidence]:
    """One evidence item per distinct currency mark in ``text`` (ambiguous ones uncoded)."""
    if not text:
        return []
    text = text[:200000]
    out: list[Evidence] = []
    for pattern, code, why in _COMPILED:
        found = pattern.findall(text)
        if not found:
            continue
        value = found[0]
        weight = WEIGHT_CURRENCY if code else 0.0
        detail = f"{where}: {value!r} ({why}), seen {len(found)} time(s)"
        out.append(Evidence(EvidenceSource.CURRENCY, value, detail, weight, code))
    return out


def price_currency_evidence(codes: Iterable[str]) -> list[Evidence]:
    """Evidence from JSON-LD ``priceCurrency`` values (ISO 4217)."""
    text = " ".join(c.strip().upper() for c in codes if isinstance(c, str))
    return currency_evidence(text, where="JSON-LD priceCurrency")
