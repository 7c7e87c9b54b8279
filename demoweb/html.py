"""Small HTML helpers the site modules share: escaping, image tags and a page skeleton."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

from demoweb.model import Img, Terms


def esc(text: str) -> str:
    """HTML-escape text for element content and double-quoted attribute values."""
    return escape(text, quote=True)


def img_tag(img: Img, *, srcset: tuple[tuple[Img, str], ...] = (), cls: str | None = None) -> str:
    """An ``<img>`` with src, alt, optional title and srcset (each candidate an Img of the host)."""
    attrs = [f'src="{esc(img.path)}"', f'alt="{esc(img.alt)}"']
    if img.title is not None:
        attrs.append(f'title="{esc(img.title)}"')
    if srcset:
        attrs.append('srcset="' + ", ".join(f"{esc(c.path)} {d}" for c, d in srcset) + '"')
    if cls:
        attrs.append(f'class="{cls}"')
    attrs.append('loading="lazy"')
    return "<img " + " ".join(attrs) + ">"


def figure(img: Img, caption: str, *, srcset: tuple[tuple[Img, str], ...] = ()) -> str:
    """An image with a visible caption, the way news and galleries show photographs."""
    tag = img_tag(img, srcset=srcset)
    return f"<figure>{tag}<figcaption>{esc(caption)}</figcaption></figure>"


def clause_paragraphs(terms: Terms) -> str:
    """The classified clauses of a terms page, one paragraph each, as the manifest quotes them."""
    return "\n".join(f"<p>{esc(c.sentence)}</p>" for c in terms.clauses)


def json_ld(data: dict[str, object]) -> str:
    """A JSON-LD script block (``</`` escaped so the JSON cannot close the script early)."""
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{text}\n</script>'


@dataclass(frozen=True, slots=True)
class Chrome:
    """A site's look: name, language, navigation, footer and stylesheet, shared by its pages."""

    name: str
    lang: str
    nav: tuple[tuple[str, str], ...]
    footer: str
    css: str = ""

    def page(self, title: str, main: str, *, head: str = "", scripts: str = "") -> str:
        """A complete HTML document in the site's chrome."""
        nav = " ".join(f'<a href="{esc(href)}">{esc(label)}</a>' for href, label in self.nav)
        style = _BASE_CSS + self.css
        return (
            "<!DOCTYPE html>\n"
            f'<html lang="{self.lang}">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{esc(title)}</title>\n{head}"
            f"<style>{style}</style>\n</head>\n<body>\n"
            f'<header><a class="brand" href="/">{esc(self.name)}</a>\n<nav>{nav}</nav></header>\n'
            f"<main>\n{main}\n</main>\n<footer>\n{self.footer}\n</footer>\n{scripts}"
            "</body>\n</html>\n"
        )


_BASE_CSS = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#222;line-height:1.45}"
    "header{display:flex;gap:2em;align-items:center;padding:.8em 1.5em;"
    "border-bottom:1px solid #ddd}"
    "header nav a{margin-right:1em}.brand{font-weight:700;font-size:1.3em;text-decoration:none}"
    "main{max-width:960px;margin:1em auto;padding:0 1em}"
    "footer{font-size:.85em;color:#555;border-top:1px solid #ddd;padding:1em 1.5em;margin-top:2em}"
    "figure{display:inline-block;margin:.5em;vertical-align:top;max-width:300px}"
    "figure img{max-width:100%}"
)
