"""A small bundled gazetteer: major cities of Canada, the US and Germany → subdivision.

Each city carries the ISO 3166-2 code of its province, state or Land (country level for
the few cities outside the bundled regions). ``standalone=False`` marks names that are also
common words, first names or cities elsewhere (``Austin``, ``Victoria``, ``Essen``,
``London, ON``): they count only with a qualifier (``Austin, TX``) or beside a postal code.
Names are matched case- and accent-insensitively, so ``Montréal``, ``MONTREAL`` and
``montreal`` are the same city.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    """One city, every spelling of it, and the subdivision it lies in."""

    names: tuple[str, ...]
    code: str
    standalone: bool = True

    @property
    def name(self) -> str:
        """The city's first (display) spelling."""
        return self.names[0]

    @property
    def country(self) -> str:
        """The ISO 3166-1 alpha-2 country of the city."""
        return self.code.split("-", 1)[0]


def _cities(code: str, *entries: str) -> list[City]:
    """Cities in one subdivision; ``a|b`` lists spellings, a leading ``?`` marks ambiguity."""
    out = []
    for entry in entries:
        standalone = not entry.startswith("?")
        out.append(City(tuple(entry.lstrip("?").split("|")), code, standalone))
    return out


CITIES: tuple[City, ...] = tuple(
    _cities(
        "CA-QC",
        "Montreal|Montréal",
        "Quebec City|Ville de Québec|Québec City",
        "?Laval",
        "Gatineau",
        "Longueuil",
        "Sherbrooke",
        "Trois-Rivières|Trois Rivieres",
        "Saguenay",
        "Lévis",
        "Terrebonne",
        "Rimouski",
    )
    + _cities(
        "CA-ON",
        "Toronto",
        "Ottawa",
        "Mississauga",
        "Brampton",
        "?Hamilton",
        "?London",
        "Markham",
        "?Vaughan",
        "Kitchener",
        "?Windsor",
        "Oakville",
        "?Burlington",
        "?Sudbury",
        "Oshawa",
        "Barrie",
        "?Kingston",
        "Guelph",
        "?Waterloo",
        "Thunder Bay",
        "Scarborough",
        "Etobicoke",
    )
    + _cities(
        "CA-AB",
        "Calgary",
        "Edmonton",
        "Red Deer",
        "Lethbridge",
        "Medicine Hat",
        "St. Albert|St Albert|Saint-Albert",
        "Fort McMurray",
        "Banff",
        "Grande Prairie",
        "Airdrie",
    )
    + _cities(
        "CA-BC",
        "Vancouver",
        "North Vancouver|North Van",
        "West Vancouver",
        "?Surrey",
        "Burnaby",
        "?Richmond",
        "?Victoria",
        "Kelowna",
        "Abbotsford",
        "Coquitlam",
        "Nanaimo",
        "Kamloops",
        "Prince George",
        "Whistler",
        "New Westminster",
        "Chilliwack",
    )
    + _cities("CA-MB", "Winnipeg", "?Brandon")
    + _cities("CA-SK", "Saskatoon", "?Regina")
    + _cities("CA-NS", "Halifax", "?Dartmouth")
    + _cities("CA-NB", "Moncton", "Fredericton", "Saint John")
    + _cities("CA-NL", "St. John's|St John's|Saint-Jean de Terre-Neuve")
    + _cities("CA-PE", "Charlottetown")
    + _cities("CA-YT", "Whitehorse")
    + _cities("CA-NT", "Yellowknife")
    + _cities("CA-NU", "Iqaluit")
    + _cities(
        "US-WA", "Seattle", "?Vancouver", "Spokane", "Tacoma", "?Bellevue", "?Redmond", "?Olympia"
    )
    + _cities(
        "US-TX",
        "Houston",
        "Dallas",
        "San Antonio",
        "?Austin",
        "Fort Worth",
        "El Paso",
        "?Arlington",
    )
    + _cities(
        "US-CA",
        "Los Angeles|L.A.",
        "San Francisco",
        "San Diego",
        "?San Jose",
        "Sacramento",
        "Oakland",
        "Fresno",
        "Long Beach",
        "Palo Alto",
        "Berkeley",
        "Santa Monica",
        "Hollywood",
    )
    + _cities(
        "US-IL",
        "Chicago",
        "?Springfield",
        "Naperville",
        "Evanston",
        "?Aurora",
        "Rockford",
        "?Peoria",
        "Joliet",
        "Cook County",
    )
    + _cities(
        "US-NY",
        "New York City|NYC",
        "Brooklyn",
        "Manhattan",
        "Bronx|The Bronx",
        "?Queens",
        "?Buffalo",
        "?Rochester",
        "?Albany",
    )
    + _cities("US-MA", "Boston", "?Cambridge")
    + _cities("US-PA", "Philadelphia", "Pittsburgh")
    + _cities("US-FL", "Miami", "Orlando", "Tampa", "Jacksonville")
    + _cities("US-GA", "Atlanta")
    + _cities("US-CO", "Denver")
    + _cities("US-AZ", "?Phoenix", "Tucson")
    + _cities("US-NV", "Las Vegas")
    + _cities("US-OR", "?Portland")
    + _cities("US-ME", "?Portland")
    + _cities("US-MI", "Detroit")
    + _cities("US-MN", "Minneapolis")
    + _cities("US-MD", "Baltimore")
    + _cities("US-TN", "Nashville", "?Memphis")
    + _cities("US-LA", "New Orleans")
    + _cities("US-UT", "Salt Lake City")
    + _cities("US-HI", "Honolulu")
    + _cities("US-AK", "Anchorage")
    + _cities("US-NC", "Raleigh", "?Charlotte")
    + _cities("US-OH", "Cleveland", "Cincinnati", "?Columbus")
    + _cities("US-IN", "Indianapolis")
    + _cities("US-MO", "St. Louis|St Louis|Saint Louis")
    + _cities("US-WI", "Milwaukee")
    + _cities("US-DC", "Washington, D.C.|Washington DC|Washington D.C.")
    + _cities("DE-BE", "Berlin")
    + _cities("DE-HH", "Hamburg")
    + _cities(
        "DE-BY",
        "München|Munich|Muenchen",
        "Nürnberg|Nuremberg|Nuernberg",
        "Augsburg",
        "Regensburg",
        "Würzburg|Wuerzburg",
        "Ingolstadt",
    )
    + _cities(
        "DE-NW",
        "Köln|Cologne|Koeln",
        "Düsseldorf|Duesseldorf",
        "Dortmund",
        "?Essen",
        "Duisburg",
        "Bochum",
        "Wuppertal",
        "Bielefeld",
        "Bonn",
        "Münster|Muenster",
        "Aachen",
        "Gelsenkirchen",
        "Mönchengladbach",
    )
    + _cities("DE-HE", "Frankfurt am Main|Frankfurt|Francfort", "Wiesbaden", "Darmstadt", "Kassel")
    + _cities(
        "DE-BW",
        "Stuttgart",
        "Mannheim",
        "Karlsruhe",
        "Freiburg im Breisgau|Freiburg",
        "Heidelberg",
        "Ulm",
    )
    + _cities("DE-SN", "Leipzig", "Dresden", "Chemnitz")
    + _cities("DE-NI", "Hannover|Hanover", "Braunschweig", "Göttingen", "?Oldenburg", "Osnabrück")
    + _cities("DE-HB", "Bremen", "Bremerhaven")
    + _cities("DE-SH", "Kiel", "Lübeck|Luebeck")
    + _cities("DE-MV", "Rostock", "Schwerin")
    + _cities("DE-ST", "Magdeburg", "?Halle|Halle (Saale)")
    + _cities("DE-TH", "Erfurt", "Jena", "Weimar")
    + _cities("DE-BB", "Potsdam", "Frankfurt (Oder)|Frankfurt an der Oder", "Cottbus")
    + _cities("DE-SL", "Saarbrücken|Saarbruecken")
    + _cities("DE-RP", "Mainz", "Koblenz", "Trier")
    + _cities("GB-ENG", "London", "Manchester", "Birmingham", "Liverpool", "Sheffield", "Leeds")
    + _cities("GB-SCT", "Edinburgh", "Glasgow")
    + _cities("IT-52", "Florence|Firenze|Florenz", "Arezzo", "Siena|Sienne")
    + _cities("IT-62", "Rome|Roma|Rom")
    + _cities("IT-25", "Milan|Milano|Mailand")
    + _cities("AU-NSW", "Sydney")
    + _cities("AU-VIC", "Melbourne")
    + _cities("BR-SP", "São Paulo|Sao Paulo")
    + _cities("BR-RJ", "Rio de Janeiro")
    + _cities("JP-13", "Tokyo|Tōkyō")
    + _cities("JP-27", "Osaka|Ōsaka")
    + _cities("KR-11", "Seoul")
    + _cities("KR-26", "Busan")
    + _cities("FR", "Paris", "Lyon", "Marseille", "Toulouse", "Bordeaux", "Strasbourg")
    + _cities("ES", "Madrid", "Barcelona|Barcelone")
    + _cities("NL", "Amsterdam", "Rotterdam")
    + _cities("BE", "Brussels|Bruxelles|Brüssel")
    + _cities("AT", "Vienna|Wien", "Salzburg", "Graz", "Innsbruck")
    + _cities("CH", "Zurich|Zürich", "Geneva|Genève|Genf", "Basel|Bâle", "Lausanne")
    + _cities("IE", "Dublin")
    + _cities("GR", "Athens|Athènes|Athen")
)
