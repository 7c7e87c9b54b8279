"""The web as it is: a social network on HTTPS behind www, its images on a CDN host.

- ``www.lumen-social.com`` is served over HTTPS only: ``http://lumen-social.com/`` answers 301
  to ``https://lumen-social.com/``, which answers 301 to ``https://www.lumen-social.com/``, and
  so does every other path, robots.txt included (two hops, as real sites chain them).
- Its photos live on ``media.lumencdn.net`` (HTTPS), a CDN with its own robots.txt (which
  closes ``/img/private/``) and its own headers (long caching, CORS, one ``X-Robots-Tag``).
  The CDN's robots.txt and headers decide for the image, the social site's for its pages.
- ``softpage-robots.net`` answers robots.txt with a soft 404 (200, ``text/html``, no rule);
  ``gated-robots.net`` answers its first robots.txt request 403, later ones 200 with rules.
- The pages embed images the ways real pages do: ``srcset`` with width descriptors,
  ``<picture><source>``, lazy loading (``data-src`` behind a ``data:`` placeholder,
  ``loading=lazy``), ``og:image`` / ``twitter:image`` and a JSON-LD ``image``.
"""

from __future__ import annotations

from demoweb.html import Chrome, esc, figure, json_ld
from demoweb.model import Host, Img, Jurisdiction, Page, Robots, RobotsGroup

SOCIAL = "www.lumen-social.com"
SOCIAL_APEX = "lumen-social.com"
CDN = "media.lumencdn.net"
CDN_ORIGIN = f"https://{CDN}"
PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

_NOWHERE = Jurisdiction(None, None, ("generic TLD .com/.net; no address, phone or language hint",))

CDN_HEADERS = (
    ("Cache-Control", "public, max-age=31536000, immutable"),
    ("Access-Control-Allow-Origin", "*"),
    ("Timing-Allow-Origin", "*"),
)

# -- the CDN's files --------------------------------------------------------------------------
# srcset with width descriptors: the crawler fetches src and the widest candidate; the 320w
# candidate is recorded on the page as one of the element's candidates, not fetched.
ANA_320 = Img(
    "/img/u/ana/320.jpg", photo="lfw-060", variant="resized", size=320, alt="Ana at the lake"
)
ANA_640 = Img(
    "/img/u/ana/640.jpg", photo="lfw-060", variant="resized", size=480, alt="Ana at the lake"
)
ANA_960 = Img("/img/u/ana/960.jpg", photo="lfw-060", size=640, alt="Ana at the lake")
# <picture>: a narrow <img> and a wide <source>
BEN_NARROW = Img(
    "/img/u/ben/narrow.jpg", photo="chelsea", variant="resized", size=320, alt="Ben's cat"
)
BEN_WIDE = Img("/img/u/ben/wide.jpg", photo="chelsea", size=560, alt="Ben's cat")
# lazy loading: the real URL is in data-src, src is a 1x1 data: placeholder
CLEO_LAZY = Img("/img/u/cleo/600.jpg", photo="lfw-061", size=480, alt="Cleo on stage")
# loading=lazy on a plain <img>, the CDN marks the file noai
DAN_NOAI = Img(
    "/img/u/dan/480.jpg",
    photo="lfw-062",
    size=400,
    alt="Dan's graduation",
    headers=(*CDN_HEADERS, ("X-Robots-Tag", "noai")),
)
# the CDN's robots.txt closes /img/private/
PRIVATE = Img("/img/private/eve/480.jpg", photo="lfw-064", size=400, alt="Eve, followers only")
# only in the post page's head: og:image, twitter:image, JSON-LD image
OG_CARD = Img("/img/cards/ana-og.jpg", photo="lfw-060", variant="resized", size=420, alt="")
TWITTER_CARD = Img("/img/cards/ana-tw.jpg", photo="lfw-060", variant="mirrored", size=400, alt="")
JSONLD_IMAGE = Img(
    "/img/u/ana/post-full.jpg",
    photo="lfw-060",
    variant="recompressed",
    quality=60,
    size=560,
    alt="",
)

CDN_IMAGES = tuple(
    Img(
        i.path,
        i.photo,
        i.variant,
        i.alt,
        i.title,
        i.size,
        i.quality,
        i.fmt,
        i.headers or CDN_HEADERS,
    )
    for i in (
        ANA_320,
        ANA_640,
        ANA_960,
        BEN_NARROW,
        BEN_WIDE,
        CLEO_LAZY,
        DAN_NOAI,
        PRIVATE,
        OG_CARD,
        TWITTER_CARD,
        JSONLD_IMAGE,
    )
)


def _cdn(img: Img) -> str:
    return f"{CDN_ORIGIN}{img.path}"


CHROME = Chrome(
    name="Lumen",
    lang="en",
    nav=(("/", "Feed"), ("/p/ana-lake", "Ana's post"), ("/settings/", "Settings")),
    footer="<p>Lumen Social · photos served by media.lumencdn.net</p>",
)


def _home() -> str:
    srcset = ", ".join(
        f"{_cdn(i)} {w}w" for i, w in ((ANA_320, 320), (ANA_640, 640), (ANA_960, 960))
    )
    posts = [
        '<article class="post"><p class="author">Ana Lindqvist</p>'
        f'<img src="{_cdn(ANA_640)}" srcset="{srcset}" sizes="(max-width: 600px) 100vw, 600px" '
        f'alt="{esc(ANA_640.alt)}" width="640" height="480"></article>',
        '<article class="post"><p class="author">Ben Okafor</p><picture>'
        f'<source media="(min-width: 800px)" srcset="{_cdn(BEN_WIDE)} 1120w">'
        f'<img src="{_cdn(BEN_NARROW)}" alt="{esc(BEN_NARROW.alt)}"></picture></article>',
        '<article class="post"><p class="author">Cleo Marchetti</p>'
        f'<img class="lazyload" src="{PLACEHOLDER}" data-src="{_cdn(CLEO_LAZY)}" '
        f'alt="{esc(CLEO_LAZY.alt)}"></article>',
        '<article class="post"><p class="author">Dan Whitfield</p>'
        f'<img src="{_cdn(DAN_NOAI)}" loading="lazy" alt="{esc(DAN_NOAI.alt)}"></article>',
        '<article class="post"><p class="author">Eve Sato (followers only)</p>'
        f'<img src="{_cdn(PRIVATE)}" loading="lazy" alt="{esc(PRIVATE.alt)}"></article>',
    ]
    return CHROME.page(
        "Lumen · your feed",
        "<h1>Feed</h1>\n" + "\n".join(posts) + '\n<p><a href="/p/ana-lake">Ana\'s post</a></p>',
    )


def _post() -> str:
    head = (
        f'<meta property="og:image" content="{_cdn(OG_CARD)}">\n'
        '<meta property="og:type" content="article">\n'
        '<meta name="twitter:card" content="summary_large_image">\n'
        f'<meta name="twitter:image" content="{_cdn(TWITTER_CARD)}">\n'
        + json_ld(
            {
                "@context": "https://schema.org",
                "@type": "SocialMediaPosting",
                "headline": "An evening at the lake",
                "author": {"@type": "Person", "name": "Ana Lindqvist"},
                "image": {"@type": "ImageObject", "contentUrl": _cdn(JSONLD_IMAGE)},
            }
        )
        + "\n"
    )
    body = (
        "<h1>An evening at the lake</h1>\n"
        f'<article class="post"><img src="{_cdn(ANA_960)}" alt="{esc(ANA_960.alt)}"></article>\n'
        '<p><a href="/">Back to the feed</a></p>'
    )
    return CHROME.page("An evening at the lake · Lumen", body, head=head)


def social() -> Host:
    """www.lumen-social.com: HTTPS, apex -> www, images on the CDN."""
    settings = CHROME.page("Settings · Lumen", "<h1>Settings</h1><p>Sign in to see settings.</p>")
    return Host(
        name=SOCIAL,
        description="A social network on HTTPS behind www (http:// and the apex redirect, "
        "robots.txt included); its photos live on the CDN media.lumencdn.net",
        source_type="social_media",
        jurisdiction=_NOWHERE,
        pages=(Page("/", _home()), Page("/p/ana-lake", _post()), Page("/settings/", settings)),
        images=(),
        robots=Robots(
            comment="Lumen Social",
            groups=(RobotsGroup(("*",), (("Disallow", "/settings/"), ("Disallow", "/img/"))),),
        ),
        scheme="https",
        aliases=(SOCIAL_APEX,),
        seed_host=SOCIAL_APEX,
    )


def cdn() -> Host:
    """media.lumencdn.net: the social network's image CDN, with its own robots.txt."""
    return Host(
        name=CDN,
        description="An image CDN on another name (as social networks serve photos): its own "
        "robots.txt closes /img/private/, its headers cache, allow CORS, and mark one file noai",
        source_type="other",
        jurisdiction=_NOWHERE,
        pages=(),
        images=CDN_IMAGES,
        robots=Robots(
            comment="lumencdn media",
            groups=(RobotsGroup(("*",), (("Allow", "/img/"), ("Disallow", "/img/private/"))),),
        ),
        scheme="https",
    )


SOFT_404 = (
    '<!DOCTYPE html>\n<html lang="en"><head><title>Page not found</title></head>\n'
    "<body><h1>Oops! We can't find that page.</h1>\n"
    '<p>The page you are looking for may have moved. <a href="/">Go home</a></p>\n'
    "</body></html>\n"
)


def _plain_site(
    name: str, description: str, robots: Robots, images: tuple[Img, ...], inner: str
) -> Host:
    chrome = Chrome(name=name, lang="en", nav=(("/", "Home"),), footer=f"<p>{esc(name)}</p>")
    home = chrome.page(
        name,
        f"<h1>{esc(name)}</h1>\n{figure(images[0], images[0].alt)}\n"
        f'<p><a href="{inner}">More photos</a></p>',
    )
    more = chrome.page(
        f"More · {name}", "<h1>More</h1>\n" + "\n".join(figure(i, i.alt) for i in images[1:])
    )
    return Host(
        name=name,
        description=description,
        source_type="other",
        jurisdiction=_NOWHERE,
        pages=(Page("/", home), Page(inner, more)),
        images=images,
        robots=robots,
    )


def soft_404() -> Host:
    """softpage-robots.net: robots.txt answers 200 text/html with a "page not found" page."""
    return _plain_site(
        "softpage-robots.net",
        "robots.txt is a soft 404: 200, text/html, a 'page not found' page without one rule "
        "(read as a file without rules: nothing restricted, recorded as unparseable)",
        Robots(soft_404=SOFT_404),
        (
            Img("/img/pier.jpg", photo="rocket", variant="resized", size=360, alt="The pier"),
            Img("/img/friends.jpg", photo="lfw-066", size=360, alt="Friends at the pier"),
            Img("/img/boats.jpg", photo="coffee", variant="cropped", size=360, alt="Coffee"),
        ),
        "/photos",
    )


def gated() -> Host:
    """gated-robots.net: robots.txt refuses its first request (403), then serves its rules."""
    return _plain_site(
        "gated-robots.net",
        "robots.txt answers 403 to the first request the server ever gets for it, then 200 "
        "with rules closing /members/ (403 read as complete disallow; fetched again once)",
        Robots(
            groups=(RobotsGroup(("*",), (("Disallow", "/members/"),)),),
            first_status=403,
        ),
        (
            Img("/img/hall.jpg", photo="brick", variant="resized", size=360, alt="The hall"),
            Img("/img/members/ada.jpg", photo="lfw-067", size=360, alt="Ada, member"),
            Img("/img/members/ray.jpg", photo="lfw-068", size=360, alt="Ray, member"),
        ),
        "/members/",
    )
