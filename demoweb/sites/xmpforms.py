"""xmp-forms.net: the same IPTC ``plus:DataMining`` value written in every RDF/XML form.

XMP is RDF/XML, which can write one property value as an attribute, element text, an
``rdf:resource``, a nested node with ``rdf:about``, an ``rdf:li`` in a ``rdf:Bag`` or
``rdf:parseType="Resource"`` with ``rdf:value``. Each photo here carries
``DMI-PROHIBITED-AIMLTRAINING`` in one of them, and one more in a packet that declares a DTD
with entities (a safe parser refuses it, yet the literal value is there): compliant mode must
skip every one after download. One photo says ``DMI-ALLOWED`` in the nested-node form, so a
reader that only notices "a DataMining element exists" is caught too.
"""

from __future__ import annotations

from demoweb.html import Chrome, esc, figure
from demoweb.model import Host, Img, Jurisdiction, Page, Robots, RobotsGroup, Xmp

NAME = "xmp-forms.net"
PROHIBITED = "DMI-PROHIBITED-AIMLTRAINING"
FORMS = ("element", "attribute", "resource", "about", "bag", "parse-type")


def _img(path: str, form: str, value: str = PROHIBITED, *, dtd: bool = False) -> Img:
    return Img(
        path,
        photo="grass",
        variant="cropped",
        alt=f"DataMining {value} written as {form}" + (" in a DTD packet" if dtd else ""),
        xmp=Xmp(
            creator="XMP forms",
            data_mining=value,
            data_mining_form=form,  # type: ignore[arg-type]
            unsafe_dtd=dtd,
        ),
    )


IMAGES = (
    *(_img(f"/img/{form}.jpg", form) for form in FORMS),
    _img("/img/dtd.jpg", "element", dtd=True),
    _img("/img/allowed-about.jpg", "about", "DMI-ALLOWED"),
)


def host() -> Host:
    """xmp-forms.net: one page showing each form."""
    chrome = Chrome(name=NAME, lang="en", nav=(("/", "Home"),), footer=f"<p>{esc(NAME)}</p>")
    home = chrome.page(
        NAME, f"<h1>{esc(NAME)}</h1>\n" + "\n".join(figure(i, i.alt) for i in IMAGES)
    )
    return Host(
        name=NAME,
        description="the same plus:DataMining value in every RDF/XML form, and in a DTD packet",
        source_type="other",
        jurisdiction=Jurisdiction(
            None, None, ("generic TLD .net; no address, phone or language hint",)
        ),
        pages=(Page("/", home),),
        images=IMAGES,
        robots=Robots(groups=(RobotsGroup(("*",), (("Allow", "/"),)),)),
    )
