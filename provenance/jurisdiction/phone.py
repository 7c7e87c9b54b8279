"""Telephone numbers → evidence, with libphonenumber's offline data and geocoder.

The country comes from the E.164 country code; inside the North American Numbering Plan
(+1) the area code decides between Canada and the US and gives the province or state
(514 → Quebec, 403/780 → Alberta, 312/773 → Illinois, 206 → Washington). A +1 number whose
area code is not geographic (toll-free 800, unassigned 555) stays ambiguous: Canada *or*
the United States, both listed, neither preferred. Numbers written in national format
(``(514) 555-0199``) need a region; the caller passes one from other evidence, otherwise
they are tried as +1 and the evidence says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

import phonenumbers
from phonenumbers import PhoneNumberMatcher, PhoneNumberType, geocoder

from provenance.jurisdiction._fold import fold
from provenance.jurisdiction._gazetteer import CITIES
from provenance.jurisdiction._regions import COUNTRY_BY_CODE, display_name, region_code
from provenance.jurisdiction.model import Evidence, EvidenceSource

WEIGHT_GEOGRAPHIC = 0.6  # country code plus a geographic area code
WEIGHT_COUNTRY_ONLY = 0.45  # the country code alone (mobile, non-geographic)
WEIGHT_NANP_AMBIGUOUS = 0.15  # +1 with no geographic area code: CA or US
NO_HINT_FACTOR = 0.75  # national format read as +1 without a region hint

_CITY_CODES = {fold(n): c.code for c in CITIES for n in c.names if c.standalone}
_STATE_SUFFIX_RE = re.compile(r",\s*([A-Z]{2})$")
_NANP_COUNTRIES = {"US", "CA"}


def phone_evidence(
    text: str | None,
    *,
    region_hint: str | None = None,
    where: str = "text",
    scale: float = 1.0,
    mask: bool = False,
) -> list[Evidence]:
    """Evidence from every valid phone number in ``text``.

    ``region_hint`` is the ISO country to read national-format numbers in (from the ccTLD,
    the address...); without it they are read as NANP. ``mask=True`` keeps only the country
    and area code in the evidence value, for numbers that may belong to a person.
    """
    if not text:
        return []
    region = region_hint if region_hint in phonenumbers.SUPPORTED_REGIONS else None
    out: list[Evidence] = []
    seen: set[str] = set()
    for raw, number in _matches(text[:50000], region or "US"):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        if e164 in seen:
            continue
        seen.add(e164)
        international = raw.lstrip().startswith(("+", "00", "011"))
        factor = scale if international or region else scale * NO_HINT_FACTOR
        how = (
            "international format"
            if international
            else (f"national format read in {region}" if region else "national format tried as +1")
        )
        out.extend(_evidence(number, raw, e164, how, where, factor, mask))
    return out


def tel_link_evidence(hrefs: Iterable[str], *, region_hint: str | None = None) -> list[Evidence]:
    """Evidence from ``tel:`` link targets (``tel:+15145550199``)."""
    numbers = [h.split(":", 1)[1] for h in hrefs if h.lower().startswith("tel:")]
    return phone_evidence("\n".join(numbers), region_hint=region_hint, where="tel: link")


_DECIMAL_RE = re.compile(r"\d")  # what libphonenumber's matcher reads as a digit (Unicode Nd)


def _pattern_min_width(pattern: str) -> int:
    """The fewest characters a match of ``pattern`` takes (0 when it cannot be told)."""
    try:
        from re import _parser

        return int(_parser.parse(pattern).getwidth()[0])
    except Exception:
        return 0


def _main_metadata(country_code: int) -> Any:
    return phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        country_code, phonenumbers.region_code_for_country_code(country_code)
    )


def _fewest_national(country_code: int) -> int:
    """The fewest digits of a significant number of any region with this country code (0
    when the metadata does not say)."""
    fewest = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
        meta = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
        desc = meta.general_desc if meta is not None else None
        lengths = [n for n in (desc.possible_length or ()) if n > 0] if desc else []
        if not lengths:
            return 0
        fewest.append(min(lengths))
    return min(fewest, default=0)


def _fewest_written(country_code: int) -> int:
    """The fewest digits a number of this country code is written with after its code: its
    significant number's, or 1 where a national-prefix rule writes digits in (Jersey reads
    ``011466`` as ``1534011466``)."""
    meta = _main_metadata(country_code)
    if meta is None or meta.national_prefix_transform_rule:
        return 1
    return _fewest_national(country_code)


@lru_cache(maxsize=1)
def _fewest_international() -> int:
    """The fewest digits of a country code and a number written after it, over every code."""
    return min(
        (len(str(cc)) + _fewest_written(cc) for cc in phonenumbers.COUNTRY_CODE_TO_REGION_CODE),
        default=0,
    )


@cache
def fewest_digits(region: str) -> int:
    """A lower bound on the digits of any valid number the matcher can find, read in
    ``region``, in a text without a plus sign.

    Without one, a match is either national (the country code of ``region``: its significant
    number has at least the fewest possible digits of a region sharing that code, from
    libphonenumber's own metadata) or behind the region's international prefix (at least
    the prefix's shortest match, then a country code and a number of that code). Where a
    national-prefix rule can write digits into the number (``national_prefix_transform_rule``)
    nothing is bounded by it. A text with fewer digits than this holds no valid number, so it
    is not searched; 0 (search every text) where the metadata does not say.
    """
    md = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if md is None or not md.country_code:
        return 0
    main = _main_metadata(md.country_code)
    if md.national_prefix_transform_rule or main is None or main.national_prefix_transform_rule:
        return 0
    national = _fewest_national(md.country_code)
    international = _fewest_international()
    if not national or not international:
        return 0
    idd = _pattern_min_width(md.international_prefix) if md.international_prefix else 0
    return min(national, idd + international)


def _matches(text: str, region: str) -> Iterable[tuple[str, phonenumbers.PhoneNumber]]:
    if (
        "+" not in text
        and "\uff0b" not in text  # the matcher's full-width plus
        and len(_DECIMAL_RE.findall(text)) < fewest_digits(region)
    ):
        # "Photo 12345" read in the US (7 digits at least): no matcher built (~35-60 us)
        return
    try:
        for m in PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            yield m.raw_string, m.number
        # +1 numbers with an unassigned area code are "possible" but not valid; keep them
        # as NANP-ambiguous evidence rather than dropping a written country code. Only a
        # match written with "+" counts, and a match is a slice of the text: a text without
        # one needs no second pass (most alt texts and captions; half the matching's time).
        if "+" not in text:
            return
        for m in PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            if m.number.country_code == 1 and m.raw_string.lstrip().startswith("+"):
                if not phonenumbers.is_valid_number(m.number):
                    yield m.raw_string, m.number
    except Exception:
        return


def _evidence(
    number: phonenumbers.PhoneNumber,
    raw: str,
    e164: str,
    how: str,
    where: str,
    factor: float,
    mask: bool,
) -> list[Evidence]:
    value = _masked(number) if mask else raw.strip()
    cc = number.country_code
    valid = phonenumbers.is_valid_number(number)
    region = phonenumbers.region_code_for_number(number) if valid else None
    description = geocoder.description_for_number(number, "en") if valid else ""
    ntype = phonenumbers.number_type(number) if valid else PhoneNumberType.UNKNOWN
    if cc == 1 and (not description or region not in _NANP_COUNTRIES):
        why = "toll-free" if ntype == PhoneNumberType.TOLL_FREE else "no geographic area code"
        detail = f"{where}: {value} ({how}); +1 with {why}: Canada or United States"
        w = round(WEIGHT_NANP_AMBIGUOUS * factor, 3)
        return [
            Evidence(EvidenceSource.PHONE, value, detail, w, "CA"),
            Evidence(EvidenceSource.PHONE, value, detail, w, "US"),
        ]
    if region is None or region == "001":
        return []
    sub = _subdivision(region, description)
    if sub is not None:
        detail = (
            f"{where}: {value} ({how}); +{cc} → {region}, geocoder says "
            f"{description!r} → {display_name(sub)}"
        )
        return [_ev(value, detail, WEIGHT_GEOGRAPHIC * factor, sub)]
    name = COUNTRY_BY_CODE[region].name if region in COUNTRY_BY_CODE else region
    extra = f", geocoder says {description!r}" if description else ""
    detail = f"{where}: {value} ({how}); country code +{cc} → {name}{extra}"
    return [_ev(value, detail, WEIGHT_COUNTRY_ONLY * factor, region)]


def _subdivision(region: str, description: str) -> str | None:
    """The subdivision behind a geocoder description (``Chicago, IL``, ``Quebec``, ``Berlin``)."""
    if not description:
        return None
    m = _STATE_SUFFIX_RE.search(description)
    if m is not None:
        return region_code(m.group(1), region)
    cleaned = description.removesuffix(" State")
    code = region_code(cleaned, region)
    if code is not None:
        return code
    city = _CITY_CODES.get(fold(description))
    if city is not None and city.startswith(region):
        return city
    return None


def _masked(number: phonenumbers.PhoneNumber) -> str:
    national = phonenumbers.national_significant_number(number)
    keep = 3 if number.country_code == 1 else min(3, max(1, len(national) - 4))
    return f"+{number.country_code} {national[:keep]} " + "•" * max(0, len(national) - keep)


def _ev(value: str, detail: str, weight: float, code: str) -> Evidence:
    return Evidence(EvidenceSource.PHONE, value, detail, round(min(weight, 0.95), 3), code)
