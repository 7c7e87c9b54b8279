"""fotoblog-berlin.de: a German photo blog that says no to AI in every way it knows.

``<meta name="robots" content="noai, noimageai">`` on every page, a Spawning-style
``/ai.txt`` disallowing image files, and a robots.txt that blocks only GPTBot and CCBot (so
it says nothing to provtrack). The Impressum gives a Berlin address; the Nutzungsbedingungen
forbid commercial use.
"""

from __future__ import annotations

from demoweb.html import Chrome, clause_paragraphs, esc, figure
from demoweb.model import (
    Clause,
    Exif,
    Host,
    Img,
    Jurisdiction,
    Page,
    Robots,
    RobotsGroup,
    Subject,
    Terms,
)

NAME = "fotoblog-berlin.de"
ADDRESS = "Lena Vogel, Invalidenstraße 12, 10115 Berlin, Deutschland"
PHONE = "+49 30 12345678"
META = '<meta name="robots" content="noai, noimageai">\n'

AI_TXT = """# Spawning AI
# Prevent datasets from using the following file types

User-Agent: *
Disallow: *.jpg
Disallow: *.jpeg
Disallow: *.png
Disallow: *.gif
Disallow: *.webp
Allow: *.html
"""

TERMS = Terms(
    path="/nutzungsbedingungen",
    lang="de",
    clauses=(
        Clause(
            "prohibits-commercial-reuse",
            "Die kommerzielle Nutzung meiner Fotos ist ohne meine vorherige schriftliche "
            "Zustimmung nicht gestattet.",
        ),
    ),
)

CHROME = Chrome(
    name="Fotoblog Berlin",
    lang="de",
    nav=(("/", "Startseite"), ("/impressum", "Impressum")),
    footer=(
        '<p>© 2024 Lena Vogel · <a href="/impressum">Impressum</a> · '
        '<a href="/nutzungsbedingungen">Nutzungsbedingungen</a></p>'
    ),
)


def _sony(when: str, gps: tuple[float, float] | None = None) -> Exif:
    return Exif(make="SONY", model="ILCE-7M3", datetime_original=when, gps=gps)


PARK = Subject("DE-BE", "DE", False, "post text 'Porträts im Monbijoupark, Berlin-Mitte'")

POSTS = (
    (
        "/2024/05/spree-am-morgen",
        "Die Spree am Morgen",
        "Um sechs Uhr früh gehört das Ufer noch den Enten.",
        (
            Img(
                "/bilder/2024/05/kiesufer.jpg",
                photo="gravel",
                alt="Kiesufer an der Spree",
                exif=_sony("2024:05:18 06:04:12", (52.517, 13.3889)),
            ),
            Img(
                "/bilder/2024/05/nebel.jpg",
                photo="china-hills",
                variant="cropped",
                alt="Nebel über den Hügeln",
                exif=_sony("2024:05:18 06:31:40"),
            ),
        ),
    ),
    (
        "/2024/06/portraets-im-park",
        "Porträts im Park",
        "Porträts im Monbijoupark, Berlin-Mitte: Danke an alle, die mitgemacht haben!",
        (
            Img(
                "/bilder/2024/06/portraet-jonas.jpg",
                photo="lfw-024",
                alt="Porträt von Jonas",
                exif=_sony("2024:06:09 16:22:05"),
                subject=PARK,
            ),
            Img(
                "/bilder/2024/06/portraet-mia.jpg",
                photo="lfw-027",
                alt="Porträt von Mia",
                exif=_sony("2024:06:09 16:40:51"),
                subject=PARK,
            ),
        ),
    ),
    (
        "/2024/07/reise-nach-china",
        "Reise nach China",
        "Zwei Wochen, drei Provinzen, zu viele Tempel.",
        (
            Img(
                "/bilder/2024/07/tempel.jpg",
                photo="china",
                variant="resized",
                size=400,
                alt="Tempel in den Bergen",
            ),
            Img(
                "/bilder/2024/07/pagode.jpg",
                photo="china-temple",
                variant="mirrored",
                alt="Pagode am Hafen",
            ),
        ),
    ),
)


def host() -> Host:
    """The fotoblog-berlin.de site."""
    teasers = "\n".join(
        f'<article><h2><a href="{path}">{esc(title)}</a></h2>{figure(imgs[0], lede)}</article>'
        for path, title, lede, imgs in POSTS
    )
    pages = [Page("/", CHROME.page("Fotoblog Berlin", teasers, head=META))]
    for path, title, lede, imgs in POSTS:
        body = f"<article><h1>{esc(title)}</h1>\n<p>{esc(lede)}</p>\n" + "\n".join(
            figure(img, img.alt) for img in imgs
        )
        pages.append(
            Page(path, CHROME.page(f"{title} · Fotoblog Berlin", body + "</article>", head=META))
        )
    impressum = CHROME.page(
        "Impressum · Fotoblog Berlin",
        "<h1>Impressum</h1>\n<p>Angaben gemäß § 5 DDG:</p>\n"
        "<address>Lena Vogel<br>Invalidenstraße 12<br>10115 Berlin<br>Deutschland<br>"
        f"Telefon: {esc(PHONE)}<br>E-Mail: lena@fotoblog-berlin.de</address>",
        head=META,
    )
    terms = CHROME.page(
        "Nutzungsbedingungen · Fotoblog Berlin",
        "<h1>Nutzungsbedingungen</h1>\n<p>Alle Fotos auf dieser Website sind urheberrechtlich "
        "geschützt.</p>\n" + clause_paragraphs(TERMS),
        head=META,
    )
    pages += [Page("/impressum", impressum), Page(TERMS.path, terms)]
    return Host(
        name=NAME,
        description="German photo blog: meta noai/noimageai on every page, ai.txt "
        "disallowing images, robots.txt blocking GPTBot and CCBot only",
        source_type="personal_site",
        jurisdiction=Jurisdiction(
            "DE",
            "DE-BE",
            ("ccTLD .de", 'html lang="de"', f"Impressum: {ADDRESS}", f"Impressum phone: {PHONE}"),
        ),
        pages=tuple(pages),
        images=tuple(img for *_, imgs in POSTS for img in imgs),
        robots=Robots(
            groups=(
                RobotsGroup(("GPTBot",), (("Disallow", "/"),)),
                RobotsGroup(("CCBot",), (("Disallow", "/"),)),
            ),
        ),
        ai_txt=AI_TXT,
        terms=TERMS,
        addresses=(ADDRESS,),
        phones=(PHONE,),
    )
