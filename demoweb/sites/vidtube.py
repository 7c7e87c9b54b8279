"""vidtube.com: a video site whose thumbnails show faces; robots.txt allows all, the terms do not.

The terms forbid automated access except by search engines, so a compliant crawler reads the
home page and the terms as policy documents and goes no further.
"""

from __future__ import annotations

from demoweb.html import Chrome, clause_paragraphs, esc, img_tag
from demoweb.model import (
    Clause,
    Host,
    Img,
    Jurisdiction,
    Page,
    Robots,
    RobotsGroup,
    Subject,
    Terms,
    Variant,
)

NAME = "vidtube.com"
ADDRESS = "600 Congress Avenue, Suite 1400, Austin, TX 78701, USA"
PHONE = "+1 512-555-0176"

TERMS = Terms(
    path="/terms",
    lang="en-US",
    clauses=(
        Clause(
            "prohibits-scraping",
            "You may not access the Service using any automated means (such as robots, "
            "botnets or scrapers) except by public search engines in accordance with "
            "robots.txt, or with VidTube's prior written permission.",
        ),
        Clause(
            "prohibits-biometric",
            "You may not collect or harvest any information that might identify a person, "
            "including faces shown in videos or thumbnails, for biometric identification.",
        ),
    ),
)

CHROME = Chrome(
    name="VidTube",
    lang="en",
    nav=(("/", "Home"), ("/c/torontoeats", "TorontoEats"), ("/c/skyward", "Skyward")),
    footer=(
        f"<p>VidTube LLC · {esc(ADDRESS)} · {esc(PHONE)}</p>\n"
        '<p><a href="/terms">Terms of Service</a> · <a href="/c/torontoeats">Creators</a></p>'
    ),
    css=".thumb{width:320px}.channel-avatar{width:88px;border-radius:50%}",
)

TORONTO = Subject("CA-ON", "CA", False, "channel page text 'Location: Toronto, ON'")


def _thumb(video: str, photo: str, alt: str, subject: Subject | None = None) -> Img:
    # The astronaut and rocket thumbnails are re-posts of photographs first shown elsewhere.
    variant: Variant = "resized" if photo in ("astronaut", "rocket") else "original"
    return Img(
        f"/vi/{video}/hqdefault.jpg",
        photo=photo,
        variant=variant,
        size=320,
        alt=alt,
        subject=subject,
    )


TRENDING = (
    ("k3Jd9xQ", _thumb("k3Jd9xQ", "lfw-090", "A vlogger talking to camera"), "My morning routine"),
    (
        "p0Qw2Lr",
        _thumb("p0Qw2Lr", "lfw-093", "An interview guest"),
        "The interview everyone missed",
    ),
    ("Zt5LmVa", _thumb("Zt5LmVa", "lfw-095", "A comedian on stage"), "Stand-up special, part 1"),
)
TE_AVATAR = Img(
    "/ch/torontoeats/avatar.jpg", photo="lfw-097", size=160, alt="TorontoEats", subject=TORONTO
)
TE_VIDEOS = (
    (
        "Tq8NcYe",
        _thumb("Tq8NcYe", "lfw-098", "Host holding a poutine", subject=TORONTO),
        "Best poutine in Toronto?",
    ),
    ("Rb2VzKo", _thumb("Rb2VzKo", "coffee", "A cup of coffee"), "Kensington Market coffee crawl"),
)
SKY_AVATAR = Img("/ch/skyward/avatar.jpg", photo="astronaut-suit", size=160, alt="Skyward")
SKY_VIDEOS = (
    ("As7RkPz", _thumb("As7RkPz", "astronaut", "An astronaut's portrait"), "Life on the ISS"),
    ("Lf0GpWm", _thumb("Lf0GpWm", "rocket", "A rocket before launch"), "Launch day, explained"),
)


Video = tuple[str, Img, str]


def _cards(videos: tuple[Video, ...], *, linked: bool) -> str:
    cards = []
    for vid, img, title in videos:
        inner = f"{img_tag(img, cls='thumb')}<br>{esc(title)}"
        if linked:
            cards.append(f'<a class="card" href="/watch?v={vid}">{inner}</a>')
        else:
            cards.append(f'<div class="card">{inner}<br><small>Sign in to watch</small></div>')
    return "\n".join(cards)


def _channel(name: str, location: str, avatar: Img, videos: tuple[Video, ...]) -> str:
    return CHROME.page(
        f"{name} - VidTube",
        f'<section class="channel">{img_tag(avatar, cls="channel-avatar")}\n'
        f"<h1>{esc(name)}</h1>\n<p>Location: {esc(location)}</p></section>\n"
        f"<h2>Videos</h2>\n{_cards(videos, linked=True)}",
    )


def _watch(vid: str, img: Img, title: str, channel: str, avatar: Img) -> Page:
    html = CHROME.page(
        f"{title} - VidTube",
        f'<div class="player">{img_tag(img, cls="poster")}</div>\n<h1>{esc(title)}</h1>\n'
        f'<p><a href="/c/{channel}">{img_tag(avatar, cls="channel-avatar")} {esc(channel)}</a></p>',
    )
    return Page(f"/watch?v={vid}", html)


def host() -> Host:
    """The vidtube.com site."""
    home = CHROME.page("VidTube", f"<h1>Trending</h1>\n{_cards(TRENDING, linked=False)}")
    terms = CHROME.page(
        "Terms of Service - VidTube",
        "<h1>Terms of Service</h1>\n"
        + clause_paragraphs(TERMS)
        + "\n<p>These terms are governed by the laws of the State of Texas.</p>",
    )
    pages = [
        Page("/", home),
        Page("/c/torontoeats", _channel("TorontoEats", "Toronto, ON", TE_AVATAR, TE_VIDEOS)),
        Page("/c/skyward", _channel("Skyward", "Houston, TX", SKY_AVATAR, SKY_VIDEOS)),
        *(_watch(*video, "torontoeats", TE_AVATAR) for video in TE_VIDEOS),
        *(_watch(*video, "skyward", SKY_AVATAR) for video in SKY_VIDEOS),
        Page(TERMS.path, terms),
    ]
    images = (
        *(img for _, img, _ in TRENDING),
        TE_AVATAR,
        *(img for _, img, _ in TE_VIDEOS),
        SKY_AVATAR,
        *(img for _, img, _ in SKY_VIDEOS),
    )
    return Host(
        name=NAME,
        description="Video platform with face thumbnails; robots.txt allows all, the terms "
        "forbid automated access except by search engines",
        source_type="video_platform",
        jurisdiction=Jurisdiction(
            "US", "US-TX", (f"footer address: {ADDRESS}", f"footer phone: {PHONE}")
        ),
        pages=tuple(pages),
        images=images,
        robots=Robots(groups=(RobotsGroup(("*",), (("Allow", "/"),)),)),
        terms=TERMS,
        addresses=(ADDRESS,),
        phones=(PHONE,),
    )
