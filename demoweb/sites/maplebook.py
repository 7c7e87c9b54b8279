"""maplebook.ca: a Canadian social network whose profile feeds only a browser can see.

Profile pages ship an empty feed; ``/static/feed.js`` fetches ``/api/feed?user=..&page=N``
and appends posts as the reader scrolls. robots.txt shuts out everyone but Googlebot and
the terms forbid automated collection, as the big platforms' did when Clearview scraped them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

from demoweb.html import Chrome, clause_paragraphs, esc, img_tag
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
)

NAME = "maplebook.ca"
ADDRESS = "200 Front Street West, Suite 2400, Toronto, ON M5V 3K2, Canada"
PHONE = "+1 416-555-0163"

TERMS = Terms(
    path="/terms",
    lang="en-CA",
    clauses=(
        Clause(
            "prohibits-scraping",
            "You may not access or collect content from maplebook using automated means, "
            "such as bots, spiders or scrapers, without our prior written permission.",
        ),
        Clause(
            "prohibits-biometric",
            "You may not use photos or other content from maplebook to create facial "
            "recognition templates or any other biometric identifier.",
        ),
    ),
)

CHROME = Chrome(
    name="maplebook",
    lang="en-CA",
    nav=(("/", "Home"), ("/about", "About")),
    footer=(
        f"<p>maplebook Inc. · {esc(ADDRESS)} · {esc(PHONE)}</p>\n"
        '<p><a href="/terms">Terms of Service</a> · <a href="/about">About maplebook</a></p>'
    ),
    css=(
        ".people img{width:120px;border-radius:50%}.people a{display:inline-block;margin:1em;"
        "text-align:center}.avatar{width:140px;border-radius:50%}.post{min-height:780px;"
        "border:1px solid #ddd;border-radius:8px;margin:1em 0;padding:1em}"
        ".post-photo{width:100%;max-width:560px}#sentinel{height:40px;color:#777}"
    ),
)


@dataclass(frozen=True, slots=True)
class Post:
    """One feed post: its photo and caption."""

    photo: Img
    caption: str
    posted: str


@dataclass(frozen=True, slots=True)
class Profile:
    """A public profile and its feed, split in API pages of posts."""

    user: str
    name: str
    location: str
    about: tuple[str, ...]
    avatar: Img
    pages: tuple[tuple[Post, ...], ...]

    @property
    def url_path(self) -> str:
        """The profile page's path."""
        return f"/u/{self.user}"


def _subject(region: str, location: str, minor_text: str | None) -> Subject:
    evidence = f"profile text 'Lives in {location}'"
    if minor_text:
        evidence += f" and '{minor_text}'"
    return Subject(region, "CA", minor_text is not None, evidence + " (rendered from /api/feed)")


def _profiles() -> tuple[Profile, ...]:
    def person(
        user: str,
        name: str,
        location: str,
        region: str,
        face: str,
        about: tuple[str, ...],
        minor_text: str | None,
        posts: tuple[tuple[tuple[str, str, str, str, bool], ...], ...],
    ) -> Profile:
        subject = _subject(region, location, minor_text)
        avatar = Img(
            f"/media/avatars/{user}.jpg",
            photo=face,
            variant="resized",
            size=160,
            alt=f"{name}'s profile photo",
            subject=subject,
        )
        pages = tuple(
            tuple(
                Post(
                    Img(
                        f"/media/posts/{user}/{slug}.jpg",
                        photo=photo_id,
                        alt=alt,
                        size=560,
                        subject=subject if shows_person else None,
                    ),
                    caption,
                    f"2024-{5 + n:02d}-{10 + k:02d}",
                )
                for k, (slug, photo_id, alt, caption, shows_person) in enumerate(page)
            )
            for n, page in enumerate(posts)
        )
        return Profile(user, name, location, about, avatar, pages)

    return (
        person(
            "emma.tremblay",
            "Emma Tremblay",
            "Montreal, QC",
            "CA-QC",
            "lfw-012",
            ("Graphic designer on the Plateau.", "Coffee, cats and bike lanes."),
            None,
            (
                (
                    (
                        "sunday-selfie",
                        "lfw-012",
                        "Emma smiling",
                        "Sunday morning on the Plateau",
                        True,
                    ),
                ),
                (("flat-white", "coffee", "A flat white", "Best flat white in Mile End", False),),
                (
                    (
                        "mochi",
                        "chelsea",
                        "A tabby cat on a rug",
                        "Meet Mochi, our new roommate",
                        False,
                    ),
                ),
            ),
        ),
        person(
            "liam.chen",
            "Liam Chen",
            "Vancouver, BC",
            "CA-BC",
            "lfw-020",
            ("Nurse at VGH. Trail runner.",),
            None,
            (
                (("trailhead", "lfw-020", "Liam at the trailhead", "Ready for the Grind", True),),
                (("grouse-view", "china-hills", "Hills in the mist", "Worth every step", False),),
            ),
        ),
        person(
            "olivia.park",
            "Olivia Park",
            "Calgary, AB",
            "CA-AB",
            "lfw-041",
            ("Age 15", "Volleyball, sketching, too much bubble tea."),
            "Age 15",
            (
                (("new-haircut", "lfw-041", "Olivia's selfie", "new haircut who dis", True),),
                (
                    (
                        "squad",
                        "group-friends",
                        "Three friends after practice",
                        "the squad after practice",
                        True,
                    ),
                ),
            ),
        ),
        person(
            "noah.martin",
            "Noah Martin",
            "Toronto, ON",
            "CA-ON",
            "lfw-060",
            ("Grade 9 student", "Rockets, robots and the Leafs."),
            "Grade 9 student",
            (
                (
                    (
                        "first-day",
                        "lfw-060",
                        "Noah in a school hallway",
                        "First day of grade 9",
                        True,
                    ),
                ),
                (
                    (
                        "rocket",
                        "rocket",
                        "A rocket on its launch pad",
                        "Science fair: rockets!",
                        False,
                    ),
                ),
            ),
        ),
    )


PROFILES = _profiles()


def _feed_json(profile: Profile, number: int) -> bytes:
    posts = profile.pages[number - 1]
    data = {
        "user": profile.user,
        "page": number,
        "next_page": number + 1 if number < len(profile.pages) else None,
        "profile": {
            "name": profile.name,
            "location": profile.location,
            "about": list(profile.about),
            "avatar": {"url": profile.avatar.path, "alt": profile.avatar.alt},
        },
        "posts": [
            {
                "id": post.photo.path.rsplit("/", 1)[-1].removesuffix(".jpg"),
                "photo": {"url": post.photo.path, "alt": post.photo.alt},
                "caption": post.caption,
                "posted": post.posted,
            }
            for post in posts
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")


def _profile_page(profile: Profile) -> Page:
    main = (
        f'<section id="profile" data-user="{esc(profile.user)}">\n'
        '<div id="profile-head"></div>\n'
        f"<noscript><p>JavaScript is required to see {esc(profile.name)}'s profile and posts "
        "on maplebook.</p></noscript>\n"
        '<div id="feed"></div>\n<div id="sentinel" aria-hidden="true"></div>\n</section>'
    )
    html = CHROME.page(
        f"{profile.name} (@{profile.user}) · maplebook",
        main,
        scripts='<script src="/static/feed.js"></script>\n',
    )
    images = [profile.avatar.path] + [p.photo.path for page in profile.pages for p in page]
    return Page(profile.url_path, html, js_images=tuple(images))


def host() -> Host:
    """The maplebook.ca site."""
    people = "\n".join(
        f'<a href="{p.url_path}">{img_tag(p.avatar)}<br>{esc(p.name)}</a>' for p in PROFILES
    )
    home = CHROME.page(
        "maplebook · Canada's neighbourhood network",
        "<h1>Your neighbours are on maplebook</h1>\n"
        "<p>Share moments with the people around you, from St. John's to Victoria.</p>\n"
        f'<h2>People you may know</h2>\n<div class="people">\n{people}\n</div>',
    )
    about = CHROME.page(
        "About · maplebook",
        "<h1>About maplebook</h1>\n<p>maplebook is a Canadian social network founded in "
        "Toronto in 2019. Profiles are public by default; members can make them private in "
        "Settings.</p>",
    )
    terms = CHROME.page(
        "Terms of Service · maplebook",
        "<h1>Terms of Service</h1>\n<p>Last updated: March 1, 2024.</p>\n"
        "<h2>Using maplebook</h2>\n"
        + clause_paragraphs(TERMS)
        + "\n<p>These terms are governed by the laws of the Province of Ontario.</p>",
    )
    pages = (
        Page("/", home),
        Page("/about", about),
        Page(TERMS.path, terms),
        *(_profile_page(p) for p in PROFILES),
    )
    images = tuple(
        img
        for p in PROFILES
        for img in (p.avatar, *(post.photo for page in p.pages for post in page))
    )
    script = resources.files("demoweb").joinpath("static/feed.js").read_bytes()
    api = tuple(
        Resource(
            f"/api/feed?user={p.user}&page={n}",
            "application/json; charset=utf-8",
            _feed_json(p, n),
        )
        for p in PROFILES
        for n in range(1, len(p.pages) + 1)
    )
    return Host(
        name=NAME,
        description="Canadian social network; profile feeds rendered by JavaScript "
        "(infinite scroll over a JSON API)",
        source_type="social_media",
        jurisdiction=Jurisdiction(
            "CA",
            "CA-ON",
            ("ccTLD .ca", f"footer address: {ADDRESS}", f"footer phone: {PHONE}"),
        ),
        pages=pages,
        images=images,
        robots=Robots(
            groups=(
                RobotsGroup(("Googlebot",), (("Allow", "/"),)),
                RobotsGroup(("*",), (("Disallow", "/"),)),
            ),
            comment="maplebook: only search engines may crawl. See /terms.",
        ),
        terms=TERMS,
        addresses=(ADDRESS,),
        phones=(PHONE,),
        js_rendered=True,
        resources=(
            Resource("/static/feed.js", "application/javascript; charset=utf-8", script),
            *api,
        ),
    )
