"""prairiepros.ca: an Alberta professional directory with headshots and schema.org JSON-LD.

Listing pages show thumbnails with no signal. Profile pages carry schema.org Person with a
PostalAddress; three of them opt their headshot out in different ways (meta ``noimageindex``,
``X-Robots-Tag: noml``, ``Content-Signal: ai-train=no``). The home page carries a meta tag
scoped to GPTBot only. The terms forbid commercial reuse, not crawling.

The members' area (``/members/``) is disallowed in robots.txt, but the headshots it shows are
served from ``/img/members/``, which robots.txt allows: a crawler never reaches them, and a
dataset that lists their URLs without the page has no robots.txt rule against them.
"""

from __future__ import annotations

from dataclasses import dataclass

from demoweb.html import Chrome, clause_paragraphs, esc, img_tag, json_ld
from demoweb.model import (
    Clause,
    Headers,
    Host,
    Img,
    Jurisdiction,
    Page,
    Robots,
    RobotsGroup,
    Subject,
    Terms,
)

NAME = "prairiepros.ca"
ADDRESS = "Suite 1200, 888 3 Street SW, Calgary, AB T2P 5C5, Canada"
PHONE = "403-555-0100"

TERMS = Terms(
    path="/terms",
    lang="en-CA",
    clauses=(
        Clause(
            "prohibits-commercial-reuse",
            "Directory listings may not be copied, resold or used for any commercial purpose "
            "without our written consent.",
        ),
    ),
)

CHROME = Chrome(
    name="PrairiePros",
    lang="en-CA",
    nav=(("/", "Home"), ("/calgary", "Calgary"), ("/edmonton", "Edmonton")),
    footer=(
        f"<p>PrairiePros Directory Ltd. · {esc(ADDRESS)} · {esc(PHONE)}</p>\n"
        '<p><a href="/terms">Terms of Use</a></p>'
    ),
    css=".thumb{width:96px;border-radius:4px}.headshot{width:240px}",
)


@dataclass(frozen=True, slots=True)
class Pro:
    """One directory entry."""

    slug: str
    name: str
    job: str
    street: str
    city: str
    postal: str
    phone: str
    face: str
    head: str = ""
    headers: Headers = ()

    @property
    def subject(self) -> Subject:
        """Where the listing says this professional works."""
        return Subject(
            "CA-AB", "CA", False, f"JSON-LD PostalAddress: {self.city}, AB {self.postal}"
        )

    @property
    def headshot(self) -> Img:
        """The profile page's headshot."""
        return Img(
            f"/img/pros/{self.slug}.jpg",
            photo=self.face,
            alt=f"Headshot of {self.name}",
            title=self.name,
            subject=self.subject,
        )

    @property
    def thumb(self) -> Img:
        """The listing page's thumbnail of the same headshot."""
        return Img(
            f"/img/pros/thumbs/{self.slug}.jpg",
            photo=self.face,
            variant="resized",
            size=160,
            alt=self.name,
            subject=self.subject,
        )


PROS = (
    Pro(
        "dr-anika-patel",
        "Dr. Anika Patel",
        "Dentist",
        "1010 8 Avenue SW",
        "Calgary",
        "T2P 1J9",
        "403-555-0134",
        "lfw-025",
    ),
    Pro(
        "sarah-olsen",
        "Sarah Olsen",
        "Family lawyer",
        "255 5 Avenue SW",
        "Calgary",
        "T2P 3G6",
        "403-555-0158",
        "lfw-028",
        headers=(("Content-Signal", "search=yes, ai-train=no"),),
    ),
    Pro(
        "li-wei",
        "Li Wei",
        "Physiotherapist",
        "1333 8 Street SW",
        "Calgary",
        "T2R 1M6",
        "403-555-0172",
        "lfw-031",
        headers=(("X-Robots-Tag", "noml"),),
    ),
    Pro(
        "marc-dubois",
        "Marc Dubois, CPA",
        "Accountant",
        "10180 101 Street NW",
        "Edmonton",
        "T5J 0N3",
        "780-555-0199",
        "lfw-035",
    ),
    Pro(
        "ken-takahashi",
        "Ken Takahashi",
        "Realtor",
        "10025 Jasper Avenue NW",
        "Edmonton",
        "T5J 1S6",
        "780-555-0121",
        "lfw-037",
        head='<meta name="robots" content="noimageindex">\n',
    ),
)


def _profile(pro: Pro) -> Page:
    ld = json_ld(
        {
            "@context": "https://schema.org",
            "@type": "Person",
            "name": pro.name,
            "jobTitle": pro.job,
            "image": f"http://{NAME}{pro.headshot.path}",
            "telephone": pro.phone,
            "address": {
                "@type": "PostalAddress",
                "streetAddress": pro.street,
                "addressLocality": pro.city,
                "addressRegion": "AB",
                "postalCode": pro.postal,
                "addressCountry": "CA",
            },
        }
    )
    html = CHROME.page(
        f"{pro.name}, {pro.job} in {pro.city} · PrairiePros",
        f"{img_tag(pro.headshot, cls='headshot')}\n<h1>{esc(pro.name)}</h1>\n"
        f"<p>{esc(pro.job)}</p>\n<address>{esc(pro.street)}<br>{esc(pro.city)}, AB "
        f"{esc(pro.postal)}<br>{esc(pro.phone)}</address>",
        head=pro.head + ld,
    )
    return Page(f"/pros/{pro.slug}", html, headers=pro.headers)


MEMBERS = (
    Img("/img/members/jordan-lee.jpg", photo="lfw-046", alt="Jordan Lee", title="Jordan Lee"),
    Img("/img/members/maria-santos.jpg", photo="lfw-051", alt="Maria Santos"),
)
"""Headshots shown only in the members' area (a page robots.txt disallows)."""


def _members() -> Page:
    tiles = "\n".join(f"<li>{img_tag(m, cls='thumb')} {esc(m.alt)}</li>" for m in MEMBERS)
    html = CHROME.page(
        "Members' area · PrairiePros",
        f"<h1>Members' area</h1>\n<p>Signed-in members only.</p>\n<ul>\n{tiles}\n</ul>",
    )
    return Page("/members/", html)


def _listing(city: str) -> Page:
    rows = "\n".join(
        f'<li><a href="/pros/{p.slug}">{img_tag(p.thumb, cls="thumb")} {esc(p.name)}</a> · '
        f"{esc(p.job)}</li>"
        for p in PROS
        if p.city == city
    )
    html = CHROME.page(
        f"Professionals in {city}, Alberta · PrairiePros",
        f"<h1>Professionals in {city}</h1>\n<ul>\n{rows}\n</ul>",
    )
    return Page(f"/{city.lower()}", html)


def host() -> Host:
    """The prairiepros.ca site."""
    home = CHROME.page(
        "PrairiePros · Find a professional in Alberta",
        "<h1>Find a trusted professional in Alberta</h1>\n"
        '<p>Browse <a href="/calgary">Calgary</a> or <a href="/edmonton">Edmonton</a>.</p>\n'
        '<p><a href="/members/">Members sign in</a></p>',
        head='<meta name="GPTBot" content="noai">\n',
    )
    terms = CHROME.page(
        "Terms of Use · PrairiePros",
        "<h1>Terms of Use</h1>\n"
        + clause_paragraphs(TERMS)
        + "\n<p>Professionals may update or remove their listing at any time.</p>",
    )
    return Host(
        name=NAME,
        description="Alberta professional directory: headshots, addresses and phones, "
        "schema.org Person/PostalAddress JSON-LD; three profiles opt their photo out",
        source_type="business_directory",
        jurisdiction=Jurisdiction(
            "CA",
            "CA-AB",
            ("ccTLD .ca", f"footer address: {ADDRESS}", f"footer phone: {PHONE} (area code 403)"),
        ),
        pages=(
            Page("/", home),
            _listing("Calgary"),
            _listing("Edmonton"),
            *(_profile(p) for p in PROS),
            Page(TERMS.path, terms),
            _members(),
        ),
        images=(*(img for p in PROS for img in (p.thumb, p.headshot)), *MEMBERS),
        robots=Robots(
            groups=(RobotsGroup(("*",), (("Disallow", "/admin/"), ("Disallow", "/members/"))),)
        ),
        terms=TERMS,
        addresses=(ADDRESS, *(f"{p.street}, {p.city}, AB {p.postal}" for p in PROS)),
        phones=(PHONE, *(p.phone for p in PROS)),
    )
