"""countyrecords-il.us: a mugshot site republishing Cook County, Illinois booking records.

No robots.txt (404) and no terms. Booking pages send ``X-Robots-Tag: noindex``, which asks
search engines not to index the page but says nothing about its images; one mugshot is
served with ``X-Robots-Tag: noindex`` on the image itself, which does.
"""

from __future__ import annotations

from dataclasses import dataclass

from demoweb.html import Chrome, esc, img_tag
from demoweb.model import Headers, Host, Img, Jurisdiction, Page, Subject

NAME = "countyrecords-il.us"
ADDRESS = "69 W Washington St, Suite 1600, Chicago, IL 60602, USA"
PHONE = "(312) 555-0187"

CHROME = Chrome(
    name="County Records Illinois",
    lang="en-US",
    nav=(("/", "Recent bookings"), ("/search", "Search"), ("/about", "About")),
    footer=(
        f"<p>County Records Illinois · {esc(ADDRESS)} · {esc(PHONE)}</p>\n"
        '<p>Records are republished from public booking logs. <a href="/about">About</a></p>'
    ),
    css=".mug{width:200px}.mug-thumb{width:100px}",
)


@dataclass(frozen=True, slots=True)
class Booking:
    """One booking record as the site shows it."""

    number: str
    name: str
    age: int
    residence: str
    region: str
    booked: str
    charge: str
    face: str
    image_headers: Headers = ()

    @property
    def subject(self) -> Subject:
        """Where the record says this person lives."""
        return Subject(
            self.region, "US", self.age < 18, f"booking record 'Residence: {self.residence}'"
        )

    @property
    def mugshot(self) -> Img:
        """The booking page's mugshot."""
        return Img(
            f"/mugshots/{self.number}.jpg",
            photo=self.face,
            size=260,
            alt=f"Booking photo of {self.name}",
            headers=self.image_headers,
            subject=self.subject,
        )

    @property
    def thumb(self) -> Img:
        """The home page's thumbnail of the mugshot."""
        return Img(
            f"/mugshots/thumbs/{self.number}.jpg",
            photo=self.face,
            variant="resized",
            size=160,
            alt=self.name,
            subject=self.subject,
        )


BOOKINGS = (
    Booking(
        "2024-0312017",
        "DOE, JOHN M.",
        34,
        "Chicago, IL",
        "US-IL",
        "03/12/2024",
        "Retail theft (720 ILCS 5/16-25)",
        "lfw-015",
    ),
    Booking(
        "2024-0312044",
        "SMITH, ANGELA R.",
        27,
        "Evanston, IL",
        "US-IL",
        "03/12/2024",
        "Driving while license suspended",
        "lfw-017",
        image_headers=(("X-Robots-Tag", "noindex"),),
    ),
    Booking(
        "2024-0313008",
        "GARCIA, LUIS",
        41,
        "Gary, IN",
        "US-IN",
        "03/13/2024",
        "Possession of cannabis over limit",
        "lfw-018",
    ),
    Booking(
        "2024-0313031",
        "WILLIAMS, TERRENCE",
        19,
        "Chicago, IL",
        "US-IL",
        "03/13/2024",
        "Criminal trespass to land",
        "lfw-021",
    ),
)


def _booking_page(b: Booking) -> Page:
    html = CHROME.page(
        f"{b.name} - Booking #{b.number} - Cook County, Illinois",
        f"{img_tag(b.mugshot, cls='mug')}\n<h1>{esc(b.name)}</h1>\n<dl>"
        f"<dt>Booking number</dt><dd>{b.number}</dd><dt>Age</dt><dd>{b.age}</dd>"
        f"<dt>Residence</dt><dd>{esc(b.residence)}</dd><dt>Booked</dt><dd>{b.booked}</dd>"
        f"<dt>Charge</dt><dd>{esc(b.charge)}</dd>"
        "<dt>Agency</dt><dd>Cook County Sheriff's Office, Cook County, Illinois</dd></dl>\n"
        "<p>An arrest is not a conviction. All persons are presumed innocent.</p>",
    )
    return Page(f"/booking/{b.number}", html, headers=(("X-Robots-Tag", "noindex"),))


def host() -> Host:
    """The countyrecords-il.us site."""
    rows = "\n".join(
        f'<li><a href="/booking/{b.number}">{img_tag(b.thumb, cls="mug-thumb")} '
        f"{esc(b.name)}</a>, {b.age} · {esc(b.charge)} · {b.booked}</li>"
        for b in BOOKINGS
    )
    home = CHROME.page(
        "Cook County, Illinois Mugshots and Booking Records",
        f"<h1>Recent bookings, Cook County, Illinois</h1>\n<ul>\n{rows}\n</ul>",
    )
    search = CHROME.page(
        "Search booking records",
        '<h1>Search</h1>\n<form action="/search"><input name="q" placeholder="Last name">'
        "<button>Search</button></form>",
    )
    about = CHROME.page(
        "About County Records Illinois",
        "<h1>About</h1>\n<p>County Records Illinois republishes booking records from the "
        "Cook County Sheriff's Office under the Illinois Freedom of Information Act.</p>\n"
        f"<address>{esc(ADDRESS)}<br>{esc(PHONE)}</address>",
    )
    return Host(
        name=NAME,
        description="US mugshot site: Cook County, Illinois booking records with photos; "
        "no robots.txt, no terms",
        source_type="court_record",
        jurisdiction=Jurisdiction(
            "US",
            "US-IL",
            (
                "TLD .us with '-il' in the name",
                f"address: {ADDRESS}",
                f"phone: {PHONE} (area code 312, Chicago)",
            ),
        ),
        pages=(
            Page("/", home),
            Page("/search", search),
            Page("/about", about),
            *(_booking_page(b) for b in BOOKINGS),
        ),
        images=tuple(img for b in BOOKINGS for img in (b.thumb, b.mugshot)),
        addresses=(ADDRESS,),
        phones=(PHONE,),
    )
