"""pixgram.com: US photo sharing, with per-image X-Robots-Tag, EXIF GPS and a Content-Usage page.

Image responses carry ``noimageai`` (unscoped), ``googlebot: noimageindex`` (another bot's
business) and ``provtrack: noai`` (ours); one image answers ``tdm-reservation: 1``; photos
keep camera EXIF with GPS in Chicago and Berlin; one user page sends
``Content-Usage: train-ai=n``; ``/raw/`` is closed by robots.txt; one photo re-posted from
nouvelles-mtl.ca kept its IPTC DataMining prohibition; two carry signed C2PA manifests with a
CAWG training-mining assertion (``notAllowed``; ``constrained`` beside ``allowed``).
"""

from __future__ import annotations

from demoweb.html import Chrome, clause_paragraphs, esc, figure
from demoweb.model import (
    C2pa,
    Clause,
    Exif,
    Host,
    Img,
    Jurisdiction,
    Page,
    Robots,
    RobotsGroup,
    Subject,
)
from demoweb.model import Terms as TermsSpec
from demoweb.sites import nouvelles

NAME = "pixgram.com"
ADDRESS = "535 Mission Street, 14th Floor, San Francisco, CA 94105, USA"
PHONE = "+1 415-555-0148"
CHICAGO = (41.8781, -87.6298)
BERLIN = (52.52, 13.405)

TERMS = TermsSpec(
    path="/terms",
    lang="en-US",
    clauses=(
        Clause(
            "prohibits-commercial-reuse",
            "Photos on Pixgram belong to the people who post them and may not be reused for "
            "commercial purposes without their permission.",
        ),
        Clause(
            "prohibits-biometric",
            "You may not use Pixgram content to build facial recognition or other biometric "
            "databases.",
        ),
    ),
)

CHROME = Chrome(
    name="Pixgram",
    lang="en-US",
    nav=(("/", "Trending"), ("/explore", "Explore")),
    footer=(
        f"<p>Pixgram, Inc. · {esc(ADDRESS)} · {esc(PHONE)}</p>\n"
        '<p><a href="/terms">Terms of Service</a></p>'
    ),
)


def _iphone(when: str, gps: tuple[float, float]) -> Exif:
    return Exif(make="Apple", model="iPhone 14 Pro", datetime_original=when, gps=gps)


LAKESHORE = Img(
    "/media/lakeshore-ride.jpg",
    photo="motorcycle",
    alt="A motorcycle parked on Lake Shore Drive",
    title="Lake Shore ride",
    exif=_iphone("2024:06:21 20:14:09", CHICAGO),
)
LAKESHORE_2X = Img(
    "/media/lakeshore-ride@2x.jpg",
    photo="motorcycle",
    variant="resized",
    size=640,
    alt=LAKESHORE.alt,
    exif=LAKESHORE.exif,
)
JM_PORTRAIT = Img(
    "/media/jm-portrait.jpg",
    photo="lfw-033",
    alt="Portrait of James in the Loop",
    exif=Exif(
        make="Canon",
        model="Canon EOS R6",
        datetime_original="2024:05:03 17:41:22",
        gps=(41.8827, -87.6233),
    ),
    subject=Subject("US-IL", "US", False, "EXIF GPS 41.8827, -87.6233 (Chicago, Illinois)"),
)
STUDIO = Img(
    "/media/studio-portrait.jpg",
    photo="grace-hopper",
    alt="Studio portrait in uniform",
    headers=(("X-Robots-Tag", "googlebot: noimageindex"),),
)
NY_PORTRAIT = Img(
    "/media/ny-portrait.jpg",
    photo="lfw-045",
    alt="Street portrait",
    headers=(("X-Robots-Tag", "noimageai"),),
)
MIRROR_SELFIE = Img(
    "/media/mirror-selfie.jpg",
    photo="lfw-012",
    variant="mirrored",
    alt="Mirror selfie",
    headers=(("X-Robots-Tag", "provtrack: noai"),),
)
ASTRONAUT = Img(
    "/media/astronaut.jpg",
    photo="astronaut",
    variant="resized",
    size=480,
    alt="Astronaut portrait with the flag",
    c2pa=C2pa(
        (
            ("cawg.ai_training", "notAllowed"),
            ("cawg.ai_generative_training", "notAllowed"),
            ("cawg.data_mining", "notAllowed"),
        )
    ),
)
ASTRONAUT_FULL = Img("/raw/astronaut-full.jpg", photo="astronaut", size=512, alt=ASTRONAUT.alt)
HARBOUR = Img(
    "/media/harbour-dawn.jpg",
    photo="china-temple",
    alt="Temple above the harbour at dawn",
    headers=(("tdm-reservation", "1"),),
)
METRO_REPOST = Img(
    "/media/metro-commute.jpg",
    photo=nouvelles.METRO.photo,
    variant="resized",
    size=200,
    alt="Commuter on the métro (via Nouvelles MTL)",
    xmp=nouvelles.METRO.xmp,
)
CHICAGO_ALLEY = Img(
    "/media/wicker-park-alley.jpg",
    photo="brick",
    alt="Brick wall in a Wicker Park alley",
    exif=_iphone("2024:04:11 08:02:51", (41.9088, -87.6796)),
    c2pa=C2pa((("cawg.data_mining", "allowed"), ("cawg.ai_training", "constrained"))),
)
LENA_PORTRAIT = Img(
    "/media/lena-portrait.jpg",
    photo="lfw-088",
    alt="Lena at Mauerpark",
    exif=Exif(make="FUJIFILM", model="X-T4", datetime_original="2024:07:06 15:20:33", gps=BERLIN),
    subject=Subject("DE-BE", "DE", False, "EXIF GPS 52.52, 13.405 (Berlin)"),
)
SPREE = Img(
    "/media/night-sky-spree.jpg",
    photo="hubble",
    alt="Stars over the Spree",
    exif=Exif(
        make="FUJIFILM",
        model="X-T4",
        datetime_original="2024:07:07 23:48:10",
        gps=(52.5163, 13.3777),
    ),
)

IMAGES = (
    LAKESHORE,
    LAKESHORE_2X,
    JM_PORTRAIT,
    STUDIO,
    NY_PORTRAIT,
    MIRROR_SELFIE,
    ASTRONAUT,
    ASTRONAUT_FULL,
    HARBOUR,
    METRO_REPOST,
    CHICAGO_ALLEY,
    LENA_PORTRAIT,
    SPREE,
)


def _grid(*items: str) -> str:
    return '<div class="grid">\n' + "\n".join(items) + "\n</div>"


def host() -> Host:
    """The pixgram.com site."""
    lakeshore = figure(
        LAKESHORE, "Lake Shore ride, by @jmiller", srcset=((LAKESHORE, "1x"), (LAKESHORE_2X, "2x"))
    )
    home = CHROME.page(
        "Pixgram · Trending photos",
        "<h1>Trending today</h1>\n"
        + _grid(
            lakeshore,
            figure(JM_PORTRAIT, "@jmiller: golden hour in the Loop"),
            figure(STUDIO, "@archivist: a studio portrait, 1950s"),
            figure(NY_PORTRAIT, "@nycstreets: faces of 5th Avenue"),
        )
        + '\n<p>Photographers: <a href="/u/jmiller">@jmiller</a> · '
        '<a href="/u/lena.berlin">@lena.berlin</a></p>',
    )
    explore = CHROME.page(
        "Explore · Pixgram",
        "<h1>Explore</h1>\n"
        + _grid(
            figure(MIRROR_SELFIE, "@emma.t: mirror mirror"),
            figure(
                ASTRONAUT,
                "@spacefan: official portrait",
                srcset=((ASTRONAUT, "1x"), (ASTRONAUT_FULL, "2x")),
            ),
            figure(HARBOUR, "@wanderer: dawn over the harbour"),
            figure(METRO_REPOST, "@mtlcommute: rush hour (photo: Nouvelles MTL)"),
        ),
    )
    jmiller = CHROME.page(
        "James Miller (@jmiller) · Pixgram",
        "<h1>@jmiller</h1>\n<p>Chicago street and portrait photographer.</p>\n"
        + _grid(
            figure(JM_PORTRAIT, "Golden hour in the Loop"),
            figure(LAKESHORE, "Lake Shore ride", srcset=((LAKESHORE, "1x"), (LAKESHORE_2X, "2x"))),
            figure(CHICAGO_ALLEY, "Wicker Park textures"),
        ),
    )
    lena = CHROME.page(
        "Lena (@lena.berlin) · Pixgram",
        "<h1>@lena.berlin</h1>\n<p>Berlin, mostly at night. Please do not use my photos to "
        "train AI.</p>\n"
        + _grid(
            figure(LENA_PORTRAIT, "Sunday at Mauerpark"), figure(SPREE, "Stars over the Spree")
        ),
    )
    terms = CHROME.page(
        "Terms of Service · Pixgram",
        "<h1>Terms of Service</h1>\n<p>Effective January 15, 2024.</p>\n"
        + clause_paragraphs(TERMS)
        + "\n<p>We may update these terms from time to time.</p>",
    )
    return Host(
        name=NAME,
        description="US photo-sharing site: per-image X-Robots-Tag (unscoped and bot-scoped), "
        "camera EXIF with GPS, a Content-Usage header, a robots-closed /raw/ folder",
        source_type="photo_sharing",
        jurisdiction=Jurisdiction(
            "US", "US-CA", (f"footer address: {ADDRESS}", f"footer phone: {PHONE}")
        ),
        pages=(
            Page("/", home),
            Page("/explore", explore),
            Page("/u/jmiller", jmiller),
            Page("/u/lena.berlin", lena, headers=(("Content-Usage", "train-ai=n"),)),
            Page(TERMS.path, terms),
        ),
        images=IMAGES,
        robots=Robots(
            groups=(
                RobotsGroup(("*",), (("Disallow", "/raw/"), ("Allow", "/"))),
                RobotsGroup(("GPTBot",), (("Disallow", "/"),)),
            ),
        ),
        terms=TERMS,
        addresses=(ADDRESS,),
        phones=(PHONE,),
    )
