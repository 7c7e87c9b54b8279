"""commonsgallery.org: the control group. CC0 / CC BY landscapes, no faces, consent to reuse.

Each photo page links its licence with ``rel="license"`` and repeats it in JSON-LD; robots.txt
says ``Content-Signal: search=yes, ai-train=yes``. Nothing here restricts collection.
"""

from __future__ import annotations

from dataclasses import dataclass

from demoweb.html import Chrome, clause_paragraphs, esc, img_tag, json_ld
from demoweb.model import Clause, Host, Img, Jurisdiction, Page, Robots, RobotsGroup, Terms

NAME = "commonsgallery.org"
ADDRESS = "PO Box 4210, Portland, OR 97208, USA"
PHONE = "+1 503-555-0119"
CC0 = ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0")
CC_BY = ("https://creativecommons.org/licenses/by/4.0/", "CC BY 4.0")

TERMS = Terms(
    path="/terms-of-use",
    lang="en-US",
    clauses=(
        Clause(
            "permits-reuse-with-licence",
            "Every photograph in the gallery may be reused, including commercially, under "
            "the licence shown on its page (CC0 1.0 or CC BY 4.0).",
        ),
    ),
)

CHROME = Chrome(
    name="Commons Gallery",
    lang="en",
    nav=(("/", "Gallery"), ("/about", "About")),
    footer=(
        f"<p>Commons Gallery · {esc(ADDRESS)} · {esc(PHONE)}</p>\n"
        '<p><a href="/terms-of-use">Terms of Use</a></p>'
    ),
    css=".thumb{width:200px}",
)


@dataclass(frozen=True, slots=True)
class Photo:
    """One gallery photograph with its licence and author."""

    slug: str
    title: str
    photo: str
    author: str
    licence: tuple[str, str]

    @property
    def full(self) -> Img:
        """The photo page's image."""
        return Img(f"/photos/{self.slug}.jpg", photo=self.photo, alt=self.title, title=self.title)

    @property
    def thumb(self) -> Img:
        """The gallery grid's thumbnail."""
        return Img(
            f"/photos/thumbs/{self.slug}.jpg",
            photo=self.photo,
            variant="resized",
            size=240,
            alt=self.title,
        )


PHOTOS = (
    Photo("mountain-temple", "Temple in the mountains", "china", "Wen Li", CC_BY),
    Photo("misty-hills", "Misty hills at dawn", "china-hills", "Wen Li", CC0),
    Photo("deep-field", "A deep field of galaxies", "hubble", "Public domain", CC0),
    Photo("full-moon", "The moon, full", "moon", "R. Alvarez", CC0),
    Photo("prairie-grass", "Prairie grass close up", "grass", "J. Okonkwo", CC_BY),
    Photo("launch-at-dawn", "Launch at dawn", "rocket", "Public domain", CC0),
)


def _photo_page(p: Photo) -> Page:
    url, label = p.licence
    ld = json_ld(
        {
            "@context": "https://schema.org",
            "@type": "ImageObject",
            "name": p.title,
            "contentUrl": f"http://{NAME}{p.full.path}",
            "creator": {"@type": "Person", "name": p.author},
            "license": url,
            "acquireLicensePage": f"http://{NAME}/terms-of-use",
        }
    )
    html = CHROME.page(
        f"{p.title} · Commons Gallery",
        f"<figure>{img_tag(p.full)}<figcaption>{esc(p.title)} by {esc(p.author)}. "
        f'Licence: <a rel="license" href="{url}">{label}</a></figcaption></figure>',
        head=ld,
    )
    return Page(f"/photo/{p.slug}", html)


def host() -> Host:
    """The commonsgallery.org site."""
    grid = "\n".join(
        f'<a href="/photo/{p.slug}">{img_tag(p.thumb, cls="thumb")}</a>' for p in PHOTOS
    )
    home = CHROME.page(
        "Commons Gallery · Free landscape photographs",
        "<h1>Free landscape photographs</h1>\n<p>Every photo is CC0 or CC BY; see each "
        f"photo's page.</p>\n{grid}",
    )
    about = CHROME.page(
        "About · Commons Gallery",
        "<h1>About</h1>\n<p>Commons Gallery is a non-profit archive of openly licensed "
        f"landscape photography, run from Portland, Oregon.</p>\n<address>{esc(ADDRESS)}</address>",
    )
    terms = CHROME.page(
        "Terms of Use · Commons Gallery",
        "<h1>Terms of Use</h1>\n"
        + clause_paragraphs(TERMS)
        + "\n<p>Questions about a photo? Write to us at the address below.</p>",
    )
    return Host(
        name=NAME,
        description="Control group: CC0 / CC BY landscapes without faces, licences in "
        "rel=license and JSON-LD, robots Content-Signal ai-train=yes",
        source_type="image_gallery",
        jurisdiction=Jurisdiction(
            "US", "US-OR", (f"address: {ADDRESS}", f"phone: {PHONE} (area code 503)")
        ),
        pages=(
            Page("/", home),
            Page("/about", about),
            Page(TERMS.path, terms),
            *(_photo_page(p) for p in PHOTOS),
        ),
        images=tuple(img for p in PHOTOS for img in (p.thumb, p.full)),
        robots=Robots(
            groups=(
                RobotsGroup(
                    ("*",), (("Content-Signal", "search=yes, ai-train=yes"), ("Allow", "/"))
                ),
            )
        ),
        terms=TERMS,
        addresses=(ADDRESS,),
        phones=(PHONE,),
    )
