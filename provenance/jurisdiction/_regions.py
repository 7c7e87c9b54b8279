"""Bundled tables of subdivisions and countries, with names in English, French and German.

The tables are deliberately small: Canadian provinces, US states and German Länder in full
(the jurisdictions the policy packs care about), plus the UK nations, Italian regions and
Australian states so the reverse geocoder's admin1 names map to ISO 3166-2 codes there too.
Everything else resolves at country level.

Three kinds of spelling per region:
- ``names`` may be matched anywhere in free text, case- and accent-insensitively;
- ``qualifier_names`` are too ambiguous for free text (``Washington``, ``Georgia``) and are
  accepted only right after a city (``Seattle, Washington``) or in a structured field;
- ``abbrevs`` are matched case-sensitively and only as qualifiers (``Chicago, IL``), because
  ``IN``, ``OR``, ``ON`` and ``ME`` are ordinary words in lowercase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from provenance.jurisdiction._fold import fold


@dataclass(frozen=True, slots=True)
class Region:
    """One ISO 3166-2 subdivision and the spellings that name it."""

    code: str
    name: str
    names: tuple[str, ...] = ()
    qualifier_names: tuple[str, ...] = ()
    abbrevs: tuple[str, ...] = ()
    free_text: bool = True  # False: only structured fields and qualifiers may name it

    @property
    def country(self) -> str:
        """The ISO 3166-1 alpha-2 country of this subdivision."""
        return self.code.split("-", 1)[0]


def _r(
    code: str,
    name: str,
    names: tuple[str, ...] = (),
    abbrevs: tuple[str, ...] = (),
    qualifier_names: tuple[str, ...] = (),
    free_text: bool = True,
) -> Region:
    return Region(code, name, (name, *names), qualifier_names, abbrevs, free_text)


def _q(code: str, name: str, *others: str, abbrevs: tuple[str, ...] = ()) -> Region:
    """A region whose English name is ambiguous in free text (a person, a country, a city)."""
    return Region(code, name, (), (name, *others), abbrevs)


CANADA: tuple[Region, ...] = (
    _r("CA-AB", "Alberta", abbrevs=("AB", "Alta.")),
    _r(
        "CA-BC",
        "British Columbia",
        ("Colombie-Britannique", "Britisch-Kolumbien"),
        ("BC", "B.C.", "C.-B."),
    ),
    _r("CA-MB", "Manitoba", abbrevs=("MB", "Man.")),
    _r("CA-NB", "New Brunswick", ("Nouveau-Brunswick", "Neubraunschweig"), ("NB", "N.-B.")),
    _r(
        "CA-NL",
        "Newfoundland and Labrador",
        ("Terre-Neuve-et-Labrador", "Neufundland und Labrador", "Newfoundland"),
        ("NL", "T.-N.-L."),
    ),
    _r("CA-NS", "Nova Scotia", ("Nouvelle-Écosse", "Neuschottland"), ("NS", "N.-É.")),
    _r(
        "CA-NT",
        "Northwest Territories",
        ("Territoires du Nord-Ouest", "Nordwest-Territorien"),
        ("NT", "NWT", "T.N.-O."),
    ),
    _r("CA-NU", "Nunavut", abbrevs=("NU",)),
    _r("CA-ON", "Ontario", abbrevs=("ON", "Ont.")),
    _r(
        "CA-PE",
        "Prince Edward Island",
        ("Île-du-Prince-Édouard", "Prinz-Edward-Insel"),
        ("PE", "PEI", "Î.-P.-É."),
    ),
    _r(
        "CA-QC",
        "Quebec",
        ("Québec", "Province of Quebec", "Province de Québec", "Provinz Quebec"),
        ("QC", "Qc", "PQ", "Qué.", "Que."),
    ),
    _r("CA-SK", "Saskatchewan", abbrevs=("SK", "Sask.")),
    _r("CA-YT", "Yukon", ("Territoire du Yukon",), ("YT", "Yuk.")),
)

UNITED_STATES: tuple[Region, ...] = (
    _r("US-AL", "Alabama", abbrevs=("AL", "Ala.")),
    _r("US-AK", "Alaska", abbrevs=("AK",)),
    _r("US-AZ", "Arizona", abbrevs=("AZ", "Ariz.")),
    _r("US-AR", "Arkansas", abbrevs=("AR", "Ark.")),
    _r("US-CA", "California", ("Californie", "Kalifornien"), ("CA", "Calif.", "Cal.")),
    _r("US-CO", "Colorado", abbrevs=("CO", "Colo.")),
    _r("US-CT", "Connecticut", abbrevs=("CT", "Conn.")),
    _r("US-DE", "Delaware", abbrevs=("DE", "Del.")),
    _r(
        "US-DC",
        "District of Columbia",
        ("Washington, D.C.", "Washington D.C.", "Washington DC", "Washington, DC"),
        ("DC", "D.C."),
    ),
    _r("US-FL", "Florida", ("Floride",), ("FL", "Fla.")),
    _q("US-GA", "Georgia", "Géorgie", abbrevs=("GA", "Ga.")),
    _r("US-HI", "Hawaii", ("Hawaï", "Hawaiʻi"), ("HI",)),
    _r("US-ID", "Idaho", abbrevs=("ID",)),
    _r("US-IL", "Illinois", abbrevs=("IL", "Ill.")),
    _q("US-IN", "Indiana", abbrevs=("IN", "Ind.")),
    _r("US-IA", "Iowa", abbrevs=("IA",)),
    _r("US-KS", "Kansas", abbrevs=("KS", "Kan.")),
    _r("US-KY", "Kentucky", abbrevs=("KY", "Ky.")),
    _r("US-LA", "Louisiana", ("Louisiane",), ("LA",)),
    _r("US-ME", "Maine", abbrevs=("ME",)),
    _r("US-MD", "Maryland", abbrevs=("MD", "Md.")),
    _r("US-MA", "Massachusetts", abbrevs=("MA", "Mass.")),
    _r("US-MI", "Michigan", abbrevs=("MI", "Mich.")),
    _r("US-MN", "Minnesota", abbrevs=("MN", "Minn.")),
    _r("US-MS", "Mississippi", abbrevs=("MS", "Miss.")),
    _r("US-MO", "Missouri", abbrevs=("MO",)),
    _r("US-MT", "Montana", abbrevs=("MT", "Mont.")),
    _r("US-NE", "Nebraska", abbrevs=("NE", "Neb.")),
    _r("US-NV", "Nevada", abbrevs=("NV", "Nev.")),
    _r("US-NH", "New Hampshire", abbrevs=("NH", "N.H.")),
    _r("US-NJ", "New Jersey", abbrevs=("NJ", "N.J.")),
    _r("US-NM", "New Mexico", ("Nouveau-Mexique", "Neumexiko"), ("NM", "N.M.")),
    _r("US-NY", "New York", ("New York State", "État de New York"), ("NY", "N.Y.")),
    _r(
        "US-NC",
        "North Carolina",
        ("Caroline du Nord", "Nord-Carolina", "North-Carolina"),
        ("NC", "N.C."),
    ),
    _r("US-ND", "North Dakota", ("Dakota du Nord", "Norddakota", "Nord-Dakota"), ("ND", "N.D.")),
    _r("US-OH", "Ohio", abbrevs=("OH",)),
    _r("US-OK", "Oklahoma", abbrevs=("OK", "Okla.")),
    _r("US-OR", "Oregon", abbrevs=("OR", "Ore.")),
    _r("US-PA", "Pennsylvania", ("Pennsylvanie", "Pennsylvanien"), ("PA", "Pa.")),
    _r("US-RI", "Rhode Island", abbrevs=("RI", "R.I.")),
    _r("US-SC", "South Carolina", ("Caroline du Sud", "Süd-Carolina", "South-Carolina"), ("SC",)),
    _r("US-SD", "South Dakota", ("Dakota du Sud", "Süddakota", "Süd-Dakota"), ("SD", "S.D.")),
    _r("US-TN", "Tennessee", abbrevs=("TN", "Tenn.")),
    _r("US-TX", "Texas", abbrevs=("TX", "Tex.")),
    _r("US-UT", "Utah", abbrevs=("UT",)),
    _r("US-VT", "Vermont", abbrevs=("VT", "Vt.")),
    _q("US-VA", "Virginia", "Virginie", abbrevs=("VA", "Va.")),
    Region(
        "US-WA",
        "Washington",
        ("Washington State", "State of Washington", "État de Washington", "Bundesstaat Washington"),
        ("Washington",),
        ("WA", "Wash."),
    ),
    _r(
        "US-WV",
        "West Virginia",
        ("Virginie-Occidentale", "West-Virginia", "Westvirginia"),
        ("WV", "W.Va."),
    ),
    _r("US-WI", "Wisconsin", abbrevs=("WI", "Wis.")),
    _r("US-WY", "Wyoming", abbrevs=("WY", "Wyo.")),
    _r("US-PR", "Puerto Rico", ("Porto Rico",), ("PR",)),
)

GERMANY: tuple[Region, ...] = (
    _r("DE-BW", "Baden-Württemberg", ("Baden-Wuerttemberg",)),
    _r("DE-BY", "Bayern", ("Bavaria", "Bavière", "Freistaat Bayern")),
    _r("DE-BE", "Berlin"),
    _r("DE-BB", "Brandenburg"),
    _r("DE-HB", "Bremen", ("Freie Hansestadt Bremen",)),
    _r("DE-HH", "Hamburg", ("Freie und Hansestadt Hamburg", "Hambourg")),
    Region("DE-HE", "Hessen", ("Hessen",), ("Hesse",)),
    _r("DE-MV", "Mecklenburg-Vorpommern", ("Mecklenburg-Western Pomerania",)),
    _r("DE-NI", "Niedersachsen", ("Lower Saxony", "Basse-Saxe")),
    _r(
        "DE-NW",
        "Nordrhein-Westfalen",
        ("North Rhine-Westphalia", "Rhénanie-du-Nord-Westphalie"),
        ("NRW",),
    ),
    _r("DE-RP", "Rheinland-Pfalz", ("Rhineland-Palatinate", "Rhénanie-Palatinat")),
    Region("DE-SL", "Saarland", ("Saarland",), ("Sarre",)),
    Region("DE-SN", "Sachsen", ("Sachsen", "Saxony", "Freistaat Sachsen"), ("Saxe",)),
    _r("DE-ST", "Sachsen-Anhalt", ("Saxony-Anhalt", "Saxe-Anhalt")),
    _r("DE-SH", "Schleswig-Holstein"),
    _r("DE-TH", "Thüringen", ("Thuringia", "Thuringe", "Freistaat Thüringen")),
)

# Structured fields and the geocoder only: these names are too common in free text.
OTHERS: tuple[Region, ...] = (
    _r("GB-ENG", "England", ("Angleterre",), free_text=False),
    _r("GB-SCT", "Scotland", ("Écosse", "Schottland"), free_text=False),
    _r("GB-WLS", "Wales", ("Pays de Galles",), free_text=False),
    _r("GB-NIR", "Northern Ireland", ("Irlande du Nord", "Nordirland"), free_text=False),
    _r("IT-65", "Abruzzo", free_text=False),
    _r("IT-23", "Aosta Valley", ("Valle d'Aosta",), free_text=False),
    _r("IT-75", "Apulia", ("Puglia",), free_text=False),
    _r("IT-77", "Basilicata", ("Basilicate",), free_text=False),
    _r("IT-78", "Calabria", free_text=False),
    _r("IT-72", "Campania", free_text=False),
    _r("IT-45", "Emilia-Romagna", free_text=False),
    _r("IT-36", "Friuli Venezia Giulia", ("Friuli-Venezia Giulia",), free_text=False),
    _r("IT-62", "Lazio", ("Latium",), free_text=False),
    _r("IT-42", "Liguria", free_text=False),
    _r("IT-25", "Lombardy", ("Lombardia",), free_text=False),
    _r("IT-67", "Molise", free_text=False),
    _r("IT-21", "Piedmont", ("Piemonte",), free_text=False),
    _r("IT-88", "Sardinia", ("Sardegna",), free_text=False),
    _r("IT-82", "Sicily", ("Sicilia",), free_text=False),
    _r("IT-57", "Marche", ("The Marches",), free_text=False),
    _r("IT-32", "Trentino-Alto Adige", ("Trentino-Südtirol",), free_text=False),
    _r("IT-52", "Tuscany", ("Toscana", "Toscane", "Toskana"), free_text=False),
    _r("IT-55", "Umbria", free_text=False),
    _r("IT-34", "Veneto", free_text=False),
    _r("AU-ACT", "Australian Capital Territory", free_text=False),
    _r("AU-NSW", "New South Wales", free_text=False),
    _r("AU-NT", "Northern Territory", free_text=False),
    _r("AU-QLD", "Queensland", free_text=False),
    _r("AU-SA", "South Australia", free_text=False),
    _r("AU-TAS", "Tasmania", free_text=False),
    _r("AU-VIC", "Victoria", free_text=False),
    _r("AU-WA", "Western Australia", free_text=False),
    _r("BR-SP", "São Paulo (state)", ("Estado de São Paulo",), free_text=False),
    _r("BR-RJ", "Rio de Janeiro (state)", ("Estado do Rio de Janeiro",), free_text=False),
    _r("JP-13", "Tokyo Metropolis", ("Tōkyō-to",), free_text=False),
    _r("JP-27", "Osaka Prefecture", ("Ōsaka-fu",), free_text=False),
    _r("KR-11", "Seoul Special City", free_text=False),
    _r("KR-26", "Busan Metropolitan City", free_text=False),
)

REGIONS: tuple[Region, ...] = CANADA + UNITED_STATES + GERMANY + OTHERS
BY_CODE: dict[str, Region] = {r.code: r for r in REGIONS}


@dataclass(frozen=True, slots=True)
class Country:
    """One ISO 3166-1 country: alpha-2, alpha-3, and names in English, French and German."""

    code: str
    alpha3: str
    name: str
    names: tuple[str, ...]
    free_text: bool = True  # False: the name is too ambiguous for free text


def _c(code: str, alpha3: str, *names: str, free_text: bool = True) -> Country:
    return Country(code, alpha3, names[0], names, free_text)


COUNTRIES: tuple[Country, ...] = (
    _c("CA", "CAN", "Canada", "Kanada"),
    _c(
        "US",
        "USA",
        "United States",
        "United States of America",
        "États-Unis",
        "États-Unis d'Amérique",
        "Vereinigte Staaten",
        "Vereinigte Staaten von Amerika",
    ),
    _c("DE", "DEU", "Germany", "Deutschland", "Allemagne", "Bundesrepublik Deutschland"),
    _c("FR", "FRA", "France", "Frankreich"),
    _c(
        "GB",
        "GBR",
        "United Kingdom",
        "Great Britain",
        "Royaume-Uni",
        "Grande-Bretagne",
        "Vereinigtes Königreich",
        "Großbritannien",
    ),
    _c("IE", "IRL", "Ireland", "Irlande", "Irland"),
    _c("IT", "ITA", "Italy", "Italia", "Italie", "Italien"),
    _c("ES", "ESP", "Spain", "España", "Espagne", "Spanien"),
    _c("PT", "PRT", "Portugal"),
    _c("NL", "NLD", "Netherlands", "Nederland", "Pays-Bas", "Niederlande"),
    _c("BE", "BEL", "Belgium", "Belgique", "België", "Belgien"),
    _c("LU", "LUX", "Luxembourg", "Luxemburg"),
    _c("CH", "CHE", "Switzerland", "Suisse", "Schweiz", "Svizzera"),
    _c("AT", "AUT", "Austria", "Autriche", "Österreich"),
    _c("GR", "GRC", "Greece", "Grèce", "Griechenland", "Hellas"),
    _c("SE", "SWE", "Sweden", "Suède", "Schweden", "Sverige"),
    _c("NO", "NOR", "Norway", "Norvège", "Norwegen", "Norge"),
    _c("DK", "DNK", "Denmark", "Danemark", "Dänemark", "Danmark"),
    _c("FI", "FIN", "Finland", "Finlande", "Finnland", "Suomi"),
    _c("PL", "POL", "Poland", "Pologne", "Polen", "Polska"),
    _c("AU", "AUS", "Australia", "Australie", "Australien"),
    _c("NZ", "NZL", "New Zealand", "Nouvelle-Zélande", "Neuseeland"),
    _c("MX", "MEX", "Mexico", "Mexique", "Mexiko", "México", free_text=False),
    _c("BR", "BRA", "Brazil", "Brésil", "Brasilien", "Brasil"),
    _c("JP", "JPN", "Japan", "Japon"),
    _c("KR", "KOR", "South Korea", "Republic of Korea", "Corée du Sud", "Südkorea"),
    _c("IN", "IND", "India", "Inde", "Indien"),
    _c("CN", "CHN", "China", "Chine", free_text=False),
)
COUNTRY_BY_CODE: dict[str, Country] = {c.code: c for c in COUNTRIES}
_ALPHA3: dict[str, str] = {c.alpha3: c.code for c in COUNTRIES}
# Short forms are matched case-sensitively: "us" and "uk" are words in lowercase.
COUNTRY_ABBREVS: dict[str, str] = {
    "USA": "US",
    "U.S.A.": "US",
    "U.S.": "US",
    "UK": "GB",
    "U.K.": "GB",
    "BRD": "DE",
}

_SUBDIVISION_RE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")


def _build_name_index() -> dict[str, list[Region]]:
    index: dict[str, list[Region]] = {}
    for region in REGIONS:
        for spelling in (*region.names, *region.qualifier_names):
            bucket = index.setdefault(fold(spelling), [])
            if region not in bucket:
                bucket.append(region)
    return index


_BY_NAME = _build_name_index()
_BY_ABBREV: dict[str, list[Region]] = {}
for _region in REGIONS:
    for _abbrev in _region.abbrevs:
        _BY_ABBREV.setdefault(_abbrev, []).append(_region)
_COUNTRY_BY_NAME: dict[str, str] = {fold(n): c.code for c in COUNTRIES for n in c.names}


def regions_by_abbrev(abbrev: str) -> list[Region]:
    """Regions whose postal abbreviation is exactly ``abbrev`` (case-sensitive)."""
    return list(_BY_ABBREV.get(abbrev, ()))


def abbreviations() -> list[str]:
    """Every region abbreviation, longest first (for building qualifier patterns)."""
    return sorted(_BY_ABBREV, key=lambda a: (-len(a), a))


def region_code(value: str, country: str | None = None) -> str | None:
    """The ISO 3166-2 code a structured region field names, or None when unknown.

    Accepts a full code (``CA-QC``), a bare subdivision part with its country (``QC`` with
    ``CA``), a postal abbreviation (``IL``) or a name in English, French or German
    (``Québec``, ``Bavaria``, ``Tuscany``). Ambiguous values stay None unless ``country``
    settles them.
    """
    text = value.strip()
    if not text:
        return None
    upper = text.upper()
    if _SUBDIVISION_RE.match(upper):
        if upper in BY_CODE or country is None or upper.startswith(country + "-"):
            return upper
        return None
    if country is not None:
        joined = f"{country}-{upper}"
        if joined in BY_CODE:
            return joined
    found = _BY_ABBREV.get(text, []) + _BY_ABBREV.get(upper, [])
    found += _BY_NAME.get(fold(text), [])
    if country is not None:
        found = [r for r in found if r.country == country]
    codes = sorted({r.code for r in found})
    return codes[0] if len(codes) == 1 else None


def country_code(value: str) -> str | None:
    """The ISO 3166-1 alpha-2 code a structured country field names, or None when unknown.

    Accepts alpha-2 (any case), alpha-3 (as IPTC's CountryCode allows), and names in
    English, French or German.
    """
    text = value.strip()
    if not text:
        return None
    upper = text.upper()
    if upper == "UK":
        return "GB"
    if _COUNTRY_RE.match(upper):
        return upper
    if upper in _ALPHA3:
        return _ALPHA3[upper]
    if text in COUNTRY_ABBREVS:
        return COUNTRY_ABBREVS[text]
    return _COUNTRY_BY_NAME.get(fold(text))


def admin1_code(country: str, admin1: str) -> str | None:
    """Map a reverse-geocoder (GeoNames) admin1 name to an ISO 3166-2 code, if bundled."""
    for region in _BY_NAME.get(fold(admin1), []):
        if region.country == country:
            return region.code
    return None


def display_name(code: str) -> str:
    """A human name for a country or subdivision code, for tables (``CA-QC`` → ``Quebec``)."""
    if code in BY_CODE:
        return BY_CODE[code].name
    if code in COUNTRY_BY_CODE:
        return COUNTRY_BY_CODE[code].name
    return code
