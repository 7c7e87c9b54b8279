"""northshore-school.ca: an elementary school newsletter with photos of children, and no signals.

No robots.txt, no terms, no meta tags: nothing machine-readable stands between a crawler and
these photos of minors, which is exactly why the policy packs must judge them.
"""

from __future__ import annotations

from demoweb.html import Chrome, esc, figure
from demoweb.model import Host, Img, Jurisdiction, Page, Subject

NAME = "northshore-school.ca"
SCHOOL = "Northshore Elementary School"
ADDRESS = "2150 Lonsdale Avenue, North Vancouver, British Columbia V7M 2K4, Canada"
PHONE = "604-555-0117"

CHROME = Chrome(
    name=SCHOOL,
    lang="en-CA",
    nav=(("/", "Newsletter"), ("/events/science-fair", "Science fair"), ("/contact", "Contact")),
    footer=f"<p>{SCHOOL} · {esc(ADDRESS)} · {esc(PHONE)}</p>",
)


def _kids(evidence: str) -> Subject:
    return Subject("CA-BC", "CA", True, f"newsletter text '{evidence}', {SCHOOL}, North Vancouver")


CLASS = Subject("CA-BC", "CA", True, f"newsletter text 'Ms. Ahn's Grade 4 class', {SCHOOL}")
HERO = Img(
    "/images/class-photo-small.jpg",
    photo="group-class",
    variant="resized",
    size=400,
    alt="Grade 4 class photo",
    subject=CLASS,
)
CLASS_PHOTO = Img(
    "/images/2024/spring/grade4-class.jpg",
    photo="group-class",
    size=560,
    alt="Ms. Ahn's Grade 4 class",
    subject=CLASS,
)
SCIENCE = Img(
    "/images/2024/spring/science-fair-winners.jpg",
    photo="group-sciencefair",
    size=520,
    alt="Science fair winners with their volcano",
    subject=_kids("Science fair winners, Grade 5"),
)
SPORTS = Img(
    "/images/2024/spring/sports-day.jpg",
    photo="lfw-036",
    alt="A student after the relay race",
    subject=_kids("Sports day: Grade 6 relay champion"),
)
CONCERT_1 = Img(
    "/images/2024/winter/concert-solo.jpg",
    photo="lfw-039",
    alt="Grade 2 soloist",
    subject=_kids("Winter concert: our Grade 2 soloist"),
)
CONCERT_2 = Img(
    "/images/2024/winter/concert-choir.jpg",
    photo="lfw-042",
    alt="Choir member",
    subject=_kids("Winter concert: Grade 3 choir"),
)
MOON = Img(
    "/images/2024/winter/astronomy-night.jpg",
    photo="moon",
    variant="mirrored",
    size=400,
    alt="The moon through the school telescope",
)


def host() -> Host:
    """The northshore-school.ca site."""
    home = CHROME.page(
        f"{SCHOOL} · Newsletter",
        f"<h1>{SCHOOL} Newsletter</h1>\n{figure(HERO, 'Our Grade 4 class')}\n<ul>"
        '<li><a href="/newsletter/2024-spring">Spring 2024 issue</a></li>'
        '<li><a href="/newsletter/2024-winter">Winter 2024 issue</a></li></ul>',
    )
    spring = CHROME.page(
        "Spring 2024 Newsletter",
        "<h1>Spring 2024</h1>\n"
        + figure(CLASS_PHOTO, "Ms. Ahn's Grade 4 class")
        + figure(SCIENCE, "Science fair winners, Grade 5")
        + figure(SPORTS, "Sports day: Grade 6 relay champion"),
    )
    winter = CHROME.page(
        "Winter 2024 Newsletter",
        "<h1>Winter 2024</h1>\n"
        + figure(CONCERT_1, "Winter concert: our Grade 2 soloist")
        + figure(CONCERT_2, "Winter concert: Grade 3 choir")
        + figure(MOON, "Astronomy night with the Parent Advisory Council"),
    )
    fair = CHROME.page(
        "Science Fair 2024",
        "<h1>Science Fair 2024</h1>\n<p>Congratulations to all our young scientists!</p>\n"
        + figure(SCIENCE, "Science fair winners, Grade 5"),
    )
    contact = CHROME.page(
        "Contact us",
        f"<h1>Contact</h1>\n<address>{SCHOOL}<br>{esc(ADDRESS)}<br>{esc(PHONE)}</address>",
    )
    return Host(
        name=NAME,
        description="Elementary school newsletter (North Vancouver, BC) with photos of "
        "children; no robots.txt, no terms, no meta tags",
        source_type="school_newsletter",
        jurisdiction=Jurisdiction(
            "CA",
            "CA-BC",
            ("ccTLD .ca", f"footer address: {ADDRESS}", f"footer phone: {PHONE} (area code 604)"),
        ),
        pages=(
            Page("/", home),
            Page("/newsletter/2024-spring", spring),
            Page("/newsletter/2024-winter", winter),
            Page("/events/science-fair", fair),
            Page("/contact", contact),
        ),
        images=(HERO, CLASS_PHOTO, SCIENCE, SPORTS, CONCERT_1, CONCERT_2, MOON),
        addresses=(ADDRESS,),
        phones=(PHONE,),
    )
