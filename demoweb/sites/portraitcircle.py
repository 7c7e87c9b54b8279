"""portraitcircle.co.uk: a Manchester-run portrait community whose members live around the world.

Each member's avatar (a 160 px thumbnail on the home page) and portrait (the full photograph on
the member's page) are the same photograph under two URLs; the member's city is shown beside
both. The pages state AIPREF preferences in the labels of several vocabulary drafts. The
members live in the jurisdictions the 2026 packs cover (England, Colorado, São Paulo, Osaka,
Busan) and in Melbourne, so those packs judge real records. Adults only: nothing on the site
says anyone is a minor, and the workshop page names pupils only as a portraitist's audience.
"""

from __future__ import annotations

from dataclasses import dataclass

from demoweb.html import Chrome, esc, figure, img_tag
from demoweb.model import Host, Img, Jurisdiction, Page, Resource, Robots, RobotsGroup, Subject

NAME = "portraitcircle.co.uk"
ADDRESS = "Portrait Circle Ltd, 12 Deansgate, Manchester M3 2BW, United Kingdom"
PHONE = "+44 161 496 0321"

CHROME = Chrome(
    name="Portrait Circle",
    lang="en-GB",
    nav=(("/", "Members"), ("/workshops", "Workshops")),
    footer=f"<p>{esc(ADDRESS)} · {esc(PHONE)}</p>",
    css=".avatar{width:48px;height:48px;border-radius:50%;vertical-align:middle}",
)


@dataclass(frozen=True, slots=True)
class Member:
    """A member as the site shows them: the avatar and the portrait are one photograph."""

    slug: str
    name: str
    city: str
    avatar: Img
    portrait: Img


def _member(slug: str, name: str, city: str, region: str, country: str, photo: str) -> Member:
    subject = Subject(region, country, False, f"member text '{name} · {city}'")
    avatar = Img(
        f"/members/{slug}/avatar.jpg",
        photo=photo,
        variant="resized",
        size=160,
        alt=f"{name}'s avatar",
        subject=subject,
    )
    portrait = Img(
        f"/members/{slug}/portrait.jpg", photo=photo, alt=f"Portrait of {name}", subject=subject
    )
    return Member(slug, name, city, avatar, portrait)


MEMBERS = (
    _member("amelia-hughes", "Amelia Hughes", "Manchester, England", "GB-ENG", "GB", "lfw-043"),
    _member("jake-morrison", "Jake Morrison", "Denver, CO", "US-CO", "US", "lfw-044"),
    _member("beatriz-souza", "Beatriz Souza", "São Paulo, Brasil", "BR-SP", "BR", "lfw-046"),
    _member("haruto-sato", "Haruto Sato", "Osaka, Japan", "JP-27", "JP", "lfw-047"),
    _member("minji-kim", "Min-ji Kim", "Busan, South Korea", "KR-26", "KR", "lfw-048"),
    _member("chloe-nguyen", "Chloe Nguyen", "Melbourne, Australia", "AU-VIC", "AU", "lfw-049"),
)

WORKSHOP = Img(
    "/workshops/light-and-shadow.jpg",
    photo="lfw-051",
    alt="Amelia Hughes at the workshop",
    subject=Subject(
        "GB-ENG", "GB", False, "caption 'Amelia Hughes ... Manchester' (pupils are her audience)"
    ),
)


# AIPREF statements in each generation's labels (MANIFEST.md, "Content-Usage labels"): the
# current vocabulary allowing training and search, vocab-02's train-genai and vocab-03/04's
# ai-output forbidding; the robots.txt adds search=y for everything and vocab-01's tdm=n for
# the workshop photos (the longest matching path wins).
USAGE: dict[str, tuple[tuple[tuple[str, str], ...], str]] = {
    "jake-morrison": ((("Content-Usage", "train-ai=y, search=y"),), ""),
    "haruto-sato": ((("Content-Usage", "train-genai=n, search=y"),), ""),
    "minji-kim": ((), '<meta name="content-usage" content="ai-output=n">\n'),
}

# RSL 1.0: robots.txt's License line and the workshop page's link name the same document. The
# portraits are prohibited for every AI use, the avatars offered for AI use at a price per crawl
# (a licence provtrack does not take), the workshop photos prohibited in a draft's spelling
# (train-ai), the rest permitted for search only.
LICENSE_PATH = "/license.xml"
LICENSE_XML = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsl xmlns="https://rslstandard.org/rsl">
  <content url="/">
    <license>
      <permits type="usage">search</permits>
    </license>
  </content>
  <content url="/members/*/portrait.jpg">
    <license>
      <prohibits type="usage">ai-all</prohibits>
      <legal type="contact">licensing@portraitcircle.co.uk</legal>
    </license>
  </content>
  <content url="/members/*/avatar.jpg">
    <license>
      <permits type="usage">ai-train,ai-input,ai-index</permits>
      <payment type="crawl">
        <amount currency="GBP">0.02</amount>
      </payment>
    </license>
  </content>
  <content url="/workshops/">
    <license>
      <prohibits type="usage">train-ai</prohibits>
    </license>
  </content>
</rsl>
"""
RSL_LINK = f'<link rel="license" type="application/rsl+xml" href="http://{NAME}{LICENSE_PATH}">\n'

ROBOTS = Robots(
    groups=(
        RobotsGroup(
            ("*",),
            (
                ("Allow", "/"),
                ("Content-Usage", "search=y"),
                ("Content-Usage", "/workshops/ tdm=n"),
            ),
        ),
    ),
    comment="Portrait Circle: search engines welcome; AI uses as each page says.",
    licenses=(f"http://{NAME}{LICENSE_PATH}",),
)


def host() -> Host:
    """The portraitcircle.co.uk site."""
    rows = "\n".join(
        f'<li>{img_tag(m.avatar, cls="avatar")} <a href="/members/{m.slug}">{esc(m.name)}</a>'
        f" · {esc(m.city)}</li>"
        for m in MEMBERS
    )
    pages = [
        Page(
            "/", CHROME.page("Portrait Circle · Members", f"<h1>Members</h1>\n<ul>\n{rows}\n</ul>")
        )
    ]
    for m in MEMBERS:
        body = f"<h1>{esc(m.name)}</h1>\n{figure(m.portrait, f'{m.name} · {m.city}')}"
        headers, head = USAGE.get(m.slug, ((), ""))
        html = CHROME.page(f"{m.name} · Portrait Circle", body, head=head)
        pages.append(Page(f"/members/{m.slug}", html, headers=headers))
    workshop = "<h1>Workshops</h1>\n" + figure(
        WORKSHOP,
        "Amelia Hughes, Manchester, showed her lighting set-up to hundreds of pupils.",
    )
    pages.append(
        Page("/workshops", CHROME.page("Workshops · Portrait Circle", workshop, head=RSL_LINK))
    )
    return Host(
        name=NAME,
        description="Manchester-run portrait community with members in England, Colorado, "
        "São Paulo, Osaka, Busan and Melbourne; each photo as thumbnail and full image",
        source_type="photo_sharing",
        jurisdiction=Jurisdiction(
            "GB",
            "GB-ENG",
            ("ccTLD .uk", 'html lang="en-GB"', f"footer address: {ADDRESS}", f"phone: {PHONE}"),
        ),
        pages=tuple(pages),
        images=(*(i for m in MEMBERS for i in (m.avatar, m.portrait)), WORKSHOP),
        robots=ROBOTS,
        resources=(Resource(LICENSE_PATH, "application/rsl+xml", LICENSE_XML),),
        addresses=(ADDRESS,),
        phones=(PHONE,),
    )
