"""What kind of source a site is (social network, news, directory, court record...), with evidence.

Several statutes turn on it: PIPEDA's, BC's and Alberta's "publicly available" exceptions are
closed lists of source types (legal-notes §0.3), so a policy verdict needs to know whether an
image came from a newspaper or from someone's social-media profile. Crawling cannot observe
it directly; this reads the site's own words (home page title, description, headings and
schema.org types) and says which words decided. Unknown stays unknown, and users can name a
host's type themselves (``provtrack evaluate --source-type host=type``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from parsel import Selector

from provenance.vocab import SourceType as VocabSourceType

SOURCE_TYPES = tuple(t.value for t in VocabSourceType)
"""Every source type, in the vocabulary's order (``provtrack evaluate --source-type``)."""

# schema.org types that name the kind of source outright
_SCHEMA_TYPES = {
    "newsarticle": "news_publication",
    "newsmediaorganization": "news_publication",
    "reportagenewsarticle": "news_publication",
    "profilepage": "social_media",
    "socialmediaposting": "social_media",
    "videoobject": "video_platform",
    "blogposting": "personal_site",
    "blog": "personal_site",
}

# Ordered: the first rule whose pattern occurs in the site's own description decides. More
# specific kinds (court records, school newsletters) come before broad ones (photos, blogs).
_RULES: tuple[tuple[str, str], ...] = (
    ("court_record", r"\b(mugshots?|booking records?|arrest records?|court records?|dockets?)\b"),
    ("statutory_registry", r"\b(public regist(?:ry|er)|land titles?|corporate registry)\b"),
    ("telephone_directory", r"\b(phone book|telephone directory|white pages)\b"),
    ("business_directory", r"\b(directory|find an? (?:professional|lawyer|dentist|expert))\b"),
    ("school_newsletter", r"\b(school newsletter|newsletter\b.*\bschool|school\b.*\bnewsletter)"),
    ("news_publication", r"\b(news|nouvelles|actualit[ée]s?|journal|newspaper|zeitung)\b"),
    ("book_or_magazine", r"\b(magazine|revue|zeitschrift)\b"),
    ("video_platform", r"\b(videos?|vid[ée]os?|watch|channels?)\b"),
    ("payment_feed", r"\b(pay(?:ments?)?|paid|transactions?|send money)\b"),
    ("social_media", r"\b(social network|neighbou?rhood network|friends|followers|community)\b"),
    ("photo_sharing", r"\b(photo sharing|share (?:your )?photos|trending photos|photos)\b"),
    ("image_gallery", r"\b(gallery|galerie|free (?:landscape )?photographs|stock)\b"),
    ("personal_site", r"\b(blog|fotoblog|my photos|personal)\b"),
)


_MIN_REPEATS = 3


@dataclass(frozen=True, slots=True)
class SourceType:
    """The inferred kind of source, and the words or markup it rests on."""

    kind: str
    evidence: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {"kind": self.kind, "evidence": self.evidence}


def _schema_types(sel: Selector) -> list[str]:
    types: list[str] = []
    for block in sel.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(block)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                kind = item.get("@type")
                types.extend(kind if isinstance(kind, list) else [kind] if kind else [])
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return [str(t) for t in types]


def infer_source_type(html: str | bytes | None) -> SourceType:
    """The kind of source a home page describes; ``unknown`` when it does not say."""
    if not html:
        return SourceType("unknown", "no home page was read")
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    try:
        sel = Selector(text=text)
    except (ValueError, TypeError):
        return SourceType("unknown", "the home page could not be parsed")
    for schema in _schema_types(sel):
        kind = _SCHEMA_TYPES.get(schema.lower())
        if kind:
            return SourceType(kind, f"schema.org type {schema}")
    description = " ".join(
        t.strip()
        for t in (
            sel.xpath("normalize-space(//title)").get() or "",
            sel.xpath('//meta[@name="description"]/@content').get() or "",
            sel.xpath('//meta[@property="og:type"]/@content').get() or "",
            " ".join(sel.xpath("//h1//text()").getall()),
        )
        if t.strip()
    )
    folded = description.lower()
    for kind, pattern in _RULES:
        match = re.search(pattern, folded)
        if match:
            return SourceType(
                kind, f"the site describes itself as {match.group(0)!r}: {description[:160]!r}"
            )
    # The page says nothing about itself: what its content talks about most, if it repeats.
    body = " ".join(sel.xpath("//body//text()[not(ancestor::script)]").getall()).lower()
    counts = [(len(re.findall(pattern, body)), kind, pattern) for kind, pattern in _RULES]
    best = max(counts, key=lambda c: c[0])
    if best[0] >= _MIN_REPEATS:
        words = sorted(set(re.findall(best[2], body)))
        return SourceType(best[1], f"its pages repeat {', '.join(map(repr, words))} ({best[0]}x)")
    return SourceType("unknown", f"no source-type words in {description[:160]!r}")
