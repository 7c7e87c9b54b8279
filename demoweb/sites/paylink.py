"""paylink.com: a payment app's public-by-default transaction feed, with avatars and home cities.

No machine-readable signal at all (robots.txt is 404); the terms only forbid commercial reuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from demoweb.html import Chrome, clause_paragraphs, esc, img_tag
from demoweb.model import Clause, Host, Img, Jurisdiction, Page, Subject, Terms

NAME = "paylink.com"
ADDRESS = "1201 Second Avenue, Suite 900, Seattle, WA 98101, USA"
PHONE = "+1 206-555-0131"

TERMS = Terms(
    path="/legal/terms",
    lang="en-US",
    clauses=(
        Clause(
            "prohibits-commercial-reuse",
            "You may not use information from the public feed, including names and profile "
            "photos, for any commercial purpose.",
        ),
    ),
)

CHROME = Chrome(
    name="Paylink",
    lang="en-US",
    nav=(("/", "Public feed"),),
    footer=(
        f"<p>Paylink Payments, Inc. · {esc(ADDRESS)} · {esc(PHONE)}</p>\n"
        '<p><a href="/legal/terms">Terms of Service</a> · Payments are public by default; '
        "change this in Settings › Privacy.</p>"
    ),
    css=".avatar{width:48px;height:48px;border-radius:50%;vertical-align:middle}"
    ".big{width:160px;height:160px}",
)


@dataclass(frozen=True, slots=True)
class User:
    """A Paylink user as the public feed shows them."""

    slug: str
    name: str
    city: str
    region: str
    avatar: Img


def _user(slug: str, name: str, city: str, region: str, face: str) -> User:
    subject = Subject(region, "US", False, f"feed text '{name} · {city}'")
    avatar = Img(
        f"/avatars/{slug}.jpg", photo=face, size=160, alt=f"{name}'s avatar", subject=subject
    )
    return User(slug, name, city, region, avatar)


USERS = {
    u.slug: u
    for u in (
        _user("alex-rivera", "Alex Rivera", "Seattle, WA", "US-WA", "lfw-002"),
        _user("sam-okafor", "Sam Okafor", "Austin, TX", "US-TX", "lfw-003"),
        _user("maria-gonzalez", "Maria Gonzalez", "Los Angeles, CA", "US-CA", "lfw-006"),
        _user("dev-patel", "Dev Patel", "Chicago, IL", "US-IL", "lfw-007"),
        _user("jordan-lee", "Jordan Lee", "Seattle, WA", "US-WA", "lfw-008"),
        _user("priya-nair", "Priya Nair", "Austin, TX", "US-TX", "lfw-009"),
        _user("chris-brown", "Chris Brown", "Chicago, IL", "US-IL", "lfw-010"),
        _user("taylor-kim", "Taylor Kim", "Los Angeles, CA", "US-CA", "lfw-014"),
    )
}

PAYMENTS = (
    ("alex-rivera", "sam-okafor", "for pizza 🍕", "2h"),
    ("maria-gonzalez", "dev-patel", "rent share 🏠", "3h"),
    ("jordan-lee", "alex-rivera", "concert tickets 🎸", "5h"),
    ("priya-nair", "sam-okafor", "tacos 🌮", "6h"),
    ("chris-brown", "dev-patel", "fantasy league dues 🏈", "8h"),
    ("taylor-kim", "maria-gonzalez", "birthday gift 🎁", "1d"),
    ("dev-patel", "chris-brown", "Cubs game 🧢", "1d"),
)
PROFILED = ("alex-rivera", "sam-okafor", "maria-gonzalez", "dev-patel")


def _who(user: User) -> str:
    name = esc(user.name)
    if user.slug in PROFILED:
        name = f'<a href="/u/{user.slug}">{name}</a>'
    return f"{img_tag(user.avatar, cls='avatar')} {name} · {esc(user.city)}"


def _feed(rows: tuple[tuple[str, str, str, str], ...]) -> str:
    items = [
        f"<li>{_who(USERS[a])} paid {_who(USERS[b])} {esc(memo)} <small>{ago}</small></li>"
        for a, b, memo, ago in rows
    ]
    return '<ul class="feed">\n' + "\n".join(items) + "\n</ul>"


def host() -> Host:
    """The paylink.com site."""
    home = CHROME.page("Paylink · Public feed", "<h1>Public feed</h1>\n" + _feed(PAYMENTS))
    pages = [Page("/", home)]
    for slug in PROFILED:
        user = USERS[slug]
        rows = tuple(p for p in PAYMENTS if slug in p[:2])
        html = CHROME.page(
            f"{user.name} · Paylink",
            f"{img_tag(user.avatar, cls='avatar big')}\n<h1>{esc(user.name)}</h1>\n"
            f"<p>{esc(user.city)}</p>\n<h2>Recent activity</h2>\n{_feed(rows)}",
        )
        pages.append(Page(f"/u/{slug}", html))
    terms = CHROME.page(
        "Terms of Service · Paylink",
        "<h1>Terms of Service</h1>\n<p>Your payments and profile are visible to everyone "
        "unless you change your privacy settings.</p>\n" + clause_paragraphs(TERMS),
    )
    pages.append(Page(TERMS.path, terms))
    return Host(
        name=NAME,
        description="Payment app's public-by-default transaction feed with avatars and cities; "
        "no opt-out signal of any kind",
        source_type="payment_feed",
        jurisdiction=Jurisdiction(
            "US", "US-WA", (f"footer address: {ADDRESS}", f"footer phone: {PHONE}")
        ),
        pages=tuple(pages),
        images=tuple(u.avatar for u in USERS.values()),
        terms=TERMS,
        addresses=(ADDRESS,),
        phones=(PHONE,),
    )
