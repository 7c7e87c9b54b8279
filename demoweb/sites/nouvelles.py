"""nouvelles-mtl.ca: a French-language Montréal newspaper that reserves text and data mining.

Every page and photo answers ``tdm-reservation: 1`` with a ``tdm-policy``; the pages repeat
it in meta tags and ``/.well-known/tdmrep.json`` reserves the whole site. The photos carry
IPTC XMP written into the files: ``plus:DataMining`` prohibitions (AI/ML training on some,
generative AI/ML training on others, in element, attribute and rdf:resource spellings),
creator, rights, city/state/country and, on one, DigitalSourceType. The café photo keeps its
DataMining property in Extended XMP. The terms (in French) forbid scraping and TDM.
"""

from __future__ import annotations

import json
from typing import Literal

from demoweb.html import Chrome, clause_paragraphs, esc, figure, json_ld
from demoweb.model import (
    Clause,
    Host,
    Img,
    Jurisdiction,
    Page,
    Resource,
    Robots,
    RobotsGroup,
    Subject,
    Terms,
    Variant,
    Xmp,
)

NAME = "nouvelles-mtl.ca"
ADDRESS = "1250, rue Saint-Denis, bureau 300, Montréal (Québec) H2X 3J6, Canada"
PHONE = "514 555-0142"
POLICY_URL = f"http://{NAME}/tdm/policy.json"
TDM_HEADERS = (("tdm-reservation", "1"), ("tdm-policy", POLICY_URL))
AIML = "DMI-PROHIBITED-AIMLTRAINING"
GENAI = "DMI-PROHIBITED-GENAIMLTRAINING"
CAPTURE = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"

TERMS = Terms(
    path="/conditions-d-utilisation",
    lang="fr-CA",
    clauses=(
        Clause(
            "prohibits-scraping",
            "Il est interdit d'extraire le contenu de ce site au moyen de robots, d'araignées "
            "ou de tout autre procédé automatisé, y compris à des fins de fouille de textes et "
            "de données.",
        ),
        Clause(
            "prohibits-commercial-reuse",
            "Toute reproduction ou réutilisation des articles et des photographies à des fins "
            "commerciales est interdite sans l'autorisation écrite de Nouvelles MTL.",
        ),
    ),
)

CHROME = Chrome(
    name="Nouvelles MTL",
    lang="fr-CA",
    nav=(("/", "À la une"), ("/photographes", "Nos photographes"), ("/a-propos", "À propos")),
    footer=(
        f"<p>Nouvelles MTL inc. · {esc(ADDRESS)} · Téléphone : {esc(PHONE)}</p>\n"
        f'<p><a href="{TERMS.path}">Conditions d\'utilisation</a> · '
        '<a href="/a-propos">Nous joindre</a></p>'
    ),
)

HEAD = (
    '<meta name="tdm-reservation" content="1">\n'
    f'<meta name="tdm-policy" content="{POLICY_URL}">\n'
    '<meta name="geo.region" content="CA-QC">\n'
)


def _xmp(
    creator: str,
    data_mining: str,
    form: Literal["element", "attribute", "resource"] = "element",
    *,
    digital_source_type: str | None = None,
    extended: bool = False,
) -> Xmp:
    return Xmp(
        creator=creator,
        rights=f"© 2024 Nouvelles MTL / {creator}",
        data_mining=data_mining,
        data_mining_form=form,
        digital_source_type=digital_source_type,
        city="Montréal",
        state="Québec",
        country_code="CA",
        extended=extended,
    )


GAGNON, ROY, BOUCHARD = "Marie-Claude Gagnon", "Jean-François Roy", "Amélie Bouchard"
_QC = "XMP photoshop:City Montréal, photoshop:State Québec; caption"


def _photo(
    path: str,
    photo: str,
    alt: str,
    xmp: Xmp,
    *,
    variant: Variant = "original",
    size: int = 480,
    quality: int = 85,
    subject: Subject | None = None,
) -> Img:
    return Img(
        path,
        photo=photo,
        variant=variant,
        alt=alt,
        size=size,
        quality=quality,
        xmp=xmp,
        headers=TDM_HEADERS,
        subject=subject,
    )


FESTIVAL = _photo(
    "/photos/2024/06/festival-foule.jpg",
    "group-festival",
    "Festivaliers devant la grande scène",
    _xmp(GAGNON, GENAI),
    size=560,
    subject=Subject("CA-QC", "CA", False, f"{_QC} 'Festivaliers, place des Festivals'"),
)
MAIRE = _photo(
    "/photos/2024/06/maire.jpg",
    "lfw-075",
    "Le maire en conférence de presse",
    _xmp(GAGNON, AIML, "attribute"),
    subject=Subject("CA-QC", "CA", False, f"{_QC} 'Le maire de Montréal'"),
)
ASTRONAUTE = _photo(
    "/photos/2024/05/astronaute.jpg",
    "astronaut",
    "L'astronaute pose devant le drapeau",
    _xmp(ROY, AIML, "resource", digital_source_type=CAPTURE),
    variant="cropped",
    size=400,
    quality=80,
)
PIONNIERE = _photo(
    "/photos/2024/05/pionniere.jpg",
    "grace-hopper",
    "Portrait d'archives d'une pionnière de l'informatique",
    _xmp(ROY, GENAI),
    variant="recompressed",
    quality=40,
)
METRO = _photo(
    "/photos/2024/04/metro-berri.jpg",
    "lfw-070",
    "Une usagère du métro à la station Berri-UQAM",
    _xmp(BOUCHARD, AIML),
    subject=Subject("CA-QC", "CA", False, f"{_QC} 'Une usagère du métro, station Berri-UQAM'"),
)
HORLOGE = _photo(
    "/photos/2024/04/horloge.jpg",
    "clock",
    "L'horloge de la station",
    _xmp(BOUCHARD, GENAI, "attribute"),
)
CHAT = _photo(
    "/photos/2024/03/chat-refuge.jpg",
    "chelsea",
    "Un chat tigré attend son adoption",
    _xmp(GAGNON, GENAI, "resource"),
    variant="mirrored",
)
CAFE = _photo(
    "/photos/2024/05/cafe-mile-end.jpg",
    "coffee",
    "Un café filtre dans le Mile End",
    _xmp(BOUCHARD, GENAI, extended=True),
    variant="cropped",
)


def _thumb(img: Img) -> Img:
    return Img(
        img.path.replace(".jpg", "-vignette.jpg"),
        photo=img.photo,
        variant="resized",
        size=240,
        alt=img.alt,
        xmp=img.xmp,
        headers=img.headers,
        subject=img.subject,
    )


THUMBS = (_thumb(FESTIVAL), _thumb(ASTRONAUTE), _thumb(METRO))

ARTICLES = (
    (
        "/actualites/2024/06/festival-international-de-jazz",
        "Le Festival international de jazz s'ouvre sous le soleil",
        "Des milliers de festivaliers ont envahi la place des Festivals jeudi soir.",
        ((FESTIVAL, GAGNON), (MAIRE, GAGNON)),
        THUMBS[0],
    ),
    (
        "/actualites/2024/05/visite-astronaute",
        "Une astronaute en visite dans les écoles de Montréal",
        "Elle a raconté sa mission à des centaines d'élèves.",
        ((ASTRONAUTE, ROY), (PIONNIERE, ROY)),
        THUMBS[1],
    ),
    (
        "/actualites/2024/04/metro-ligne-bleue",
        "Prolongement de la ligne bleue : les usagers s'impatientent",
        "Le chantier accuse un nouveau retard, a confirmé la STM.",
        ((METRO, BOUCHARD), (HORLOGE, BOUCHARD)),
        THUMBS[2],
    ),
    (
        "/actualites/2024/03/refuge-spca",
        "Record d'adoptions au refuge de la SPCA",
        "Plus de 300 animaux ont trouvé une famille en mars.",
        ((CHAT, GAGNON),),
        None,
    ),
    (
        "/chroniques/2024/05/meilleurs-cafes",
        "Chronique : nos cinq cafés préférés du Mile End",
        "Notre chroniqueuse a goûté à tout, pour vous.",
        ((CAFE, BOUCHARD),),
        None,
    ),
)


def _policy_json() -> bytes:
    policy = {
        "@context": ["http://www.w3.org/ns/odrl.jsonld", {"tdm": "http://www.w3.org/ns/tdmrep#"}],
        "@type": "Offer",
        "profile": "http://www.w3.org/ns/tdmrep",
        "uid": POLICY_URL,
        "assigner": {
            "vcard:fn": "Nouvelles MTL inc.",
            "vcard:hasAddress": ADDRESS,
            "vcard:hasEmail": "licences@nouvelles-mtl.ca",
        },
        "permission": [
            {"target": f"http://{NAME}/", "action": "tdm:mine", "duty": [{"action": "compensate"}]}
        ],
    }
    return json.dumps(policy, ensure_ascii=False, indent=1).encode("utf-8")


def host() -> Host:
    """The nouvelles-mtl.ca site."""
    une = []
    for path, title, lede, _, thumb in ARTICLES:
        pic = figure(thumb, lede) if thumb else ""
        une.append(f'<article><h2><a href="{path}">{esc(title)}</a></h2>{pic}</article>')
    home = CHROME.page("Nouvelles MTL · L'actualité de Montréal", "\n".join(une), head=HEAD)
    pages = [Page("/", home, headers=TDM_HEADERS)]
    for path, title, lede, pictures, _ in ARTICLES:
        figures = "\n".join(figure(img, f"{img.alt}. Photo : {who}") for img, who in pictures)
        ld = json_ld(
            {
                "@context": "https://schema.org",
                "@type": "NewsArticle",
                "headline": title,
                "inLanguage": "fr-CA",
                "author": {"@type": "Person", "name": pictures[0][1]},
                "publisher": {
                    "@type": "NewsMediaOrganization",
                    "name": "Nouvelles MTL",
                    "address": ADDRESS,
                },
            }
        )
        body = f"<article><h1>{esc(title)}</h1>\n<p>{esc(lede)}</p>\n{figures}\n</article>"
        pages.append(
            Page(path, CHROME.page(f"{title} | Nouvelles MTL", body, head=HEAD + ld), TDM_HEADERS)
        )
    credits = CHROME.page(
        "Nos photographes | Nouvelles MTL",
        "<h1>Nos photographes</h1>\n<ul>"
        + "".join(f"<li>{esc(n)}</li>" for n in (GAGNON, ROY, BOUCHARD))
        + "</ul>\n<p>Toutes les photos © Nouvelles MTL. Reproduction interdite.</p>",
        head=HEAD,
    )
    about = CHROME.page(
        "À propos | Nouvelles MTL",
        f"<h1>Nous joindre</h1>\n<address>{esc(ADDRESS)}<br>Téléphone : {esc(PHONE)}</address>",
        head=HEAD,
    )
    terms = CHROME.page(
        "Conditions d'utilisation | Nouvelles MTL",
        "<h1>Conditions d'utilisation</h1>\n<p>En vigueur le 1er janvier 2024.</p>\n"
        + clause_paragraphs(TERMS)
        + "\n<p>Les présentes conditions sont régies par les lois du Québec.</p>",
        head=HEAD,
    )
    pages += [
        Page("/photographes", credits, TDM_HEADERS),
        Page("/a-propos", about, TDM_HEADERS),
        Page(TERMS.path, terms, TDM_HEADERS),
    ]
    images = (
        *THUMBS,
        *(img for _, _, _, pictures, _ in ARTICLES for img, _ in pictures),
    )
    return Host(
        name=NAME,
        description="French-language Montréal news site: TDMRep headers, meta and tdmrep.json; "
        "IPTC DataMining prohibitions inside the photos (one in Extended XMP)",
        source_type="news_publication",
        jurisdiction=Jurisdiction(
            "CA",
            "CA-QC",
            (
                "ccTLD .ca",
                'html lang="fr-CA"',
                f"address: {ADDRESS}",
                f"phone: {PHONE} (area code 514, Montréal)",
                '<meta name="geo.region" content="CA-QC">',
            ),
        ),
        pages=tuple(pages),
        images=images,
        robots=Robots(
            groups=(
                RobotsGroup(("*",), (("Allow", "/"),)),
                RobotsGroup(("GPTBot",), (("Disallow", "/"),)),
                RobotsGroup(("CCBot",), (("Disallow", "/"),)),
            ),
        ),
        tdmrep=({"location": "/", "tdm-reservation": 1, "tdm-policy": POLICY_URL},),
        terms=TERMS,
        addresses=(ADDRESS,),
        phones=(PHONE,),
        resources=(Resource("/tdm/policy.json", "application/ld+json", _policy_json()),),
    )
