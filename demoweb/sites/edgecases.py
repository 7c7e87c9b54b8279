"""Three hosts that exist to test failure handling, not content.

- ``flaky-robots.net``: robots.txt answers 503, which RFC 9309 reads as "disallow all".
- ``slow-robots.net``: robots.txt never answers (the connection is held, then closed).
- ``broken-media.net``: hostile and broken image files, a redirect loop, a link-local image
  URL and script payloads in alt text, title attributes and EXIF fields.
"""

from __future__ import annotations

from demoweb.html import Chrome, esc, figure, img_tag
from demoweb.model import Exif, Host, Img, Jurisdiction, Page, Resource, Robots, RobotsGroup

_NOWHERE = Jurisdiction(None, None, ("generic TLD .net; no address, phone or language hint",))


def _chrome(name: str) -> Chrome:
    return Chrome(name=name, lang="en", nav=(("/", "Home"),), footer=f"<p>{esc(name)}</p>")


def _small_host(
    name: str, description: str, robots: Robots, inner: str, images: tuple[Img, ...]
) -> Host:
    chrome = _chrome(name)
    home = chrome.page(
        name,
        f"<h1>{esc(name)}</h1>\n{figure(images[0], images[0].alt)}\n"
        f'<p><a href="/{inner}">More photos</a></p>',
    )
    more = chrome.page(
        f"Photos · {name}",
        "<h1>Photos</h1>\n" + "\n".join(figure(i, i.alt) for i in images[1:]),
    )
    return Host(
        name=name,
        description=description,
        source_type="other",
        jurisdiction=_NOWHERE,
        pages=(Page("/", home), Page(f"/{inner}", more)),
        images=images,
        robots=robots,
    )


def flaky() -> Host:
    """flaky-robots.net: robots.txt is 503."""
    return _small_host(
        "flaky-robots.net",
        "robots.txt answers 503 Service Unavailable (RFC 9309: complete disallow)",
        Robots(status=503),
        "gallery",
        (
            Img("/img/dunes.jpg", photo="grass", variant="cropped", alt="Grass on the dunes"),
            Img("/img/portrait.jpg", photo="lfw-050", alt="A portrait"),
            Img("/img/harbour.jpg", photo="rocket", variant="mirrored", alt="Rocket at the pad"),
        ),
    )


def slow() -> Host:
    """slow-robots.net: robots.txt never answers."""
    return _small_host(
        "slow-robots.net",
        "robots.txt never answers: the connection is held open about 120 s, then closed",
        Robots(status="timeout"),
        "photos",
        (
            Img(
                "/img/espresso.jpg",
                photo="coffee",
                variant="recompressed",
                quality=35,
                alt="Espresso",
            ),
            Img("/img/portrait.jpg", photo="lfw-053", alt="A portrait"),
            Img("/img/cat.jpg", photo="chelsea", variant="resized", size=300, alt="A cat"),
        ),
    )


BROKEN = "broken-media.net"
SCRIPT_ALT = '<script>alert("alt")</script>'
SCRIPT_TITLE = "\"><img src=x onerror=alert('title')>"
SCRIPT_DESCRIPTION = "<script>alert('exif')</script>"
SCRIPT_ARTIST = "<img src=x onerror=alert(document.domain)>"
LINK_LOCAL = "http://169.254.169.254/latest/meta-data/"

HOSTILE = (
    Img("/img/truncated.jpg", photo="coffee", alt="Truncated JPEG", hostile="truncated"),
    Img(
        "/img/corrupt.png", photo="moon", fmt="PNG", size=200, alt="Corrupt PNG", hostile="corrupt"
    ),
    Img("/img/bomb.png", photo="", alt="Decompression bomb", hostile="decompression_bomb"),
    Img("/img/huge.png", photo="", alt="A 40 MB image", hostile="too_large"),
    Img(
        "/img/wrong-type.jpg",
        photo="rocket",
        variant="recompressed",
        quality=60,
        alt="JPEG served as text/plain",
        hostile="wrong_content_type",
    ),
    Img("/img/not-an-image.jpg", photo="", alt="HTML served as a JPEG", hostile="not_an_image"),
    Img(
        "/img/loop-a.jpg",
        photo="",
        alt="Redirect loop",
        hostile="redirect_loop",
        headers=(("Location", f"http://{BROKEN}/img/loop-b.jpg"),),
    ),
    Img(LINK_LOCAL, photo="", alt="Cloud metadata endpoint", hostile="link_local"),
)
SCRIPTED = Img(
    "/img/scripted.jpg",
    photo="astronaut-suit",
    alt=SCRIPT_ALT,
    title=SCRIPT_TITLE,
    exif=Exif(
        make="Canon",
        model="Canon EOS 80D",
        datetime_original="2024:02:29 12:00:00",
        image_description=SCRIPT_DESCRIPTION,
        artist=SCRIPT_ARTIST,
    ),
    hostile="script_in_text",
)


def broken() -> Host:
    """broken-media.net: hostile media, loops and payloads."""
    chrome = _chrome(BROKEN)
    home = chrome.page(
        "Broken media test site",
        "<h1>Broken media</h1>\n<ul>"
        '<li><a href="/gallery">Gallery of broken images</a></li>'
        '<li><a href="/xss">Payloads in text</a></li>'
        '<li><a href="/loop/a">A redirect loop</a></li></ul>',
    )
    gallery = chrome.page(
        "Gallery · broken-media.net",
        "<h1>Gallery</h1>\n" + "\n".join(img_tag(i) for i in HOSTILE),
    )
    xss = chrome.page(
        "Payloads · broken-media.net",
        f"<h1>Payloads</h1>\n{img_tag(SCRIPTED)}\n<p>The alt text, title and EXIF fields of "
        "this photo hold script payloads.</p>\n"
        # an unrendered template's attribute ({{attrs}}): lxml reads a braced name as a
        # namespace and raised on reading the link's attributes, losing the page's images
        '<p><a href="/" {{attrs}}>Back to the start</a> (posted by {{user}})</p>',
    )
    return Host(
        name=BROKEN,
        description="Hostile media: truncated, corrupt, decompression bomb, 40 MB, wrong "
        "content types, redirect loops, a link-local URL, script payloads in text fields",
        source_type="other",
        jurisdiction=_NOWHERE,
        pages=(
            Page("/", home),
            Page("/gallery", gallery),
            Page("/xss", xss),
            Page(
                "/loop/a",
                "",
                status=302,
                location=f"http://{BROKEN}/loop/b",
                hostile="redirect_loop",
            ),
            Page(
                "/loop/b",
                "",
                status=302,
                location=f"http://{BROKEN}/loop/a",
                hostile="redirect_loop",
            ),
        ),
        images=(*HOSTILE, SCRIPTED),
        robots=Robots(groups=(RobotsGroup(("*",), (("Allow", "/"),)),)),
        resources=(
            Resource(
                "/img/loop-b.jpg",
                "text/plain; charset=utf-8",
                f"Redirecting to http://{BROKEN}/img/loop-a.jpg\n".encode(),
                status=302,
                headers=(("Location", f"http://{BROKEN}/img/loop-a.jpg"),),
            ),
        ),
    )
