"""Main text of a terms page, its language, and its sentences kept verbatim.

trafilatura extracts the main text; when it finds nothing (very short or unusual pages)
the fallback is lxml's text of ``<main>``/``<article>``/``<body>`` without navigation,
header, footer, forms and scripts. Sentences are substrings of that text, exactly as they
appear, so a clause can always be found again in the stored snapshot.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import lxml.etree  # type: ignore[import-untyped]  # lxml ships no type stubs
import lxml.html  # type: ignore[import-untyped]
import trafilatura

from provenance.jurisdiction._html import parse_html

MAX_TEXT_CHARS = 300_000
_BLOCK = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure h1 h2 h3 h4 h5 h6 hr "
    "li main ol p pre section table td th tr ul".split()
)
_DROP = ("script", "style", "noscript", "template", "nav", "header", "footer", "form", "aside")

_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        "the and of to you your we our is are not may any this with for or by be use that "
        "will shall such these terms".split()
    ),
    "fr": frozenset(
        "le la les et de du vous votre nous notre est sont pas ne une un pour avec sur ou au "
        "aux ces dans utilisation conditions".split()
    ),
    "de": frozenset(
        "der die das und nicht sie ihr wir unsere ist sind ein eine zu von mit für auf oder "
        "dem den werden nutzung bedingungen".split()
    ),
}
_WORD_RE = re.compile(r"[^\W\d_]+", re.UNICODE)


def main_text(html: bytes | str | None) -> str:
    """The main text of ``html``, blocks on separate lines; ``""`` when there is none.

    Navigation, asides, forms and page-level header/footer are removed first (trafilatura
    keeps them on short pages), then trafilatura extracts; lxml's text of ``<main>``,
    ``<article>`` or ``<body>`` is the fallback.
    """
    if not html:
        return ""
    root = _clean_tree(html)
    if root is None:
        return ""
    text = _trafilatura(copy.deepcopy(root))
    if not text:
        text = _fallback(root)
    return text[:MAX_TEXT_CHARS]


def _clean_tree(html: bytes | str) -> Any:
    root = parse_html(html)
    if root is None:
        return None
    try:
        for el in list(root.iter(*_DROP)):
            if el.tag in ("header", "footer") and any(
                a.tag in ("main", "article") for a in el.iterancestors()
            ):
                continue  # an article's own header holds its title
            el.drop_tree()
    except (ValueError, TypeError, lxml.etree.LxmlError):
        return None
    return root


def _trafilatura(root: Any) -> str:
    try:
        out = trafilatura.extract(
            root,
            include_comments=False,
            include_tables=True,
            include_links=False,
            favor_recall=True,
            deduplicate=False,
        )
    except Exception:  # trafilatura must not turn a hostile page into a crash; fall back
        return ""
    return out.strip() if isinstance(out, str) else ""


def _fallback(root: Any) -> str:
    try:
        for el in root.iter("li"):
            el.text = "- " + (el.text or "")
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag in _BLOCK:
                el.tail = "\n" + (el.tail or "")
        container = root
        for xpath in (".//main", ".//article", ".//*[@role='main']", ".//body"):
            hits = root.xpath(xpath)
            if hits:
                container = hits[0]
                break
        raw = container.text_content()
    except (ValueError, TypeError, lxml.etree.LxmlError):
        return ""
    lines = (re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in raw.split("\n"))
    return "\n".join(line for line in lines if line)


def detect_language(text: str, declared: str | None = None, *, min_votes: int = 3) -> str | None:
    """``en``, ``fr`` or ``de`` (or another declared primary tag), or None when unclear.

    The stopword vote wins over the declared ``lang`` when it is clear, because templates
    often keep ``lang="en"`` on translated pages. ``min_votes`` is the fewest stopwords an
    undeclared text needs (2 suits one sentence).
    """
    counts = dict.fromkeys(_STOPWORDS, 0)
    for word in _WORD_RE.findall(text[:20000].lower()):
        for lang, words in _STOPWORDS.items():
            if word in words:
                counts[lang] += 1
    best = max(counts, key=lambda k: counts[k])
    ranked = sorted(counts.values(), reverse=True)
    if ranked[0] >= 5 and ranked[0] >= 2 * max(1, ranked[1]):
        return best
    if declared:
        primary = declared.strip().split("-")[0].split("_")[0].lower()
        if re.fullmatch(r"[a-z]{2,3}", primary):
            return primary
    if ranked[0] >= min_votes and ranked[0] > ranked[1]:
        return best
    return None


# Words after which a period does not end a sentence (lowercase, without the final period).
_ABBREVIATIONS = frozenset(
    """e.g i.e etc inc ltd co corp llc no nos nr vs cf art arts abs al sec secs para paras
    approx dept fig vol ed st mr mrs ms dr prof jr sr u.s u.k e.u p pp ch chap
    m mme mlle mm me av boul env ex ibid op cit
    z.b d.h u.a bzw usw ca ggf inkl zzgl evtl bspw sog vgl gem ziff lit abs str tel""".split()
)
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"'’”»)\]]*(?=\s+[\"'“«(\[]?[A-ZÀ-ÖØ-Þ0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every sentence in ``text``; lines never join into one sentence."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for line in text.split("\n"):
        start = pos
        pos += len(line) + 1
        cut = start
        for m in _BOUNDARY_RE.finditer(line):
            if _is_abbreviation(line, m.start()):
                continue
            spans.append((cut, start + m.end()))
            cut = start + m.end()
        spans.append((cut, start + len(line)))
    out = []
    for a, b in spans:
        seg = text[a:b]
        stripped = seg.strip()
        if stripped:
            lead = len(seg) - len(seg.lstrip())
            out.append((a + lead, a + lead + len(stripped)))
    return out


def split_sentences(text: str, language: str | None = None) -> list[str]:
    """The sentences of ``text``, each a verbatim substring of it (en, fr and de rules).

    ``language`` is accepted for symmetry with the classifier; the abbreviation list covers
    English, French and German together, which is what mixed-language terms need.
    """
    del language
    return [text[a:b] for a, b in sentence_spans(text)]


def _is_abbreviation(line: str, dot: int) -> bool:
    if line[dot] != ".":
        return False
    m = re.search(r"([\w.]+)$", line[:dot])
    if m is None:
        return False
    token = m.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return True
    if len(token) == 1 and token.isalpha():
        return True  # initials, "z. B.", "S. 4"
    # German ordinals and numbered sections: "am 7. Juli", "§ 5. Abs", "3. Kinder"
    return token.isdigit() and len(token) <= 2
