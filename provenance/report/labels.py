"""Plain-language labels shared by the HTML and Markdown reports."""

from __future__ import annotations

# what each opt-out says, for readers who have never seen one
OPTOUT_LABELS = {
    "robots": "robots.txt disallows the crawler (or could not be read: a full disallow)",
    "terms": "the terms of service forbid scraping",
    "meta-robots": "a robots meta tag on the page (noimageindex, noai, noimageai...)",
    "x-robots-tag": "an X-Robots-Tag HTTP header (noimageindex, noai...)",
    "tdm-reservation": "TDMRep: text-and-data-mining rights reserved",
    "ai-txt": "ai.txt disallows AI use",
    "content-usage": "AIPREF Content-Usage (header, meta or robots.txt): n to AI training or use",
    "content-signal": "Content-Signal: ai-train=no",
    "rsl": "RSL licence: prohibits the crawl's AI use of the content",
    "iptc-data-mining": "the file's IPTC/XMP metadata prohibits data mining",
    "c2pa-training-mining": "the file's C2PA credentials forbid training and mining",
}
VERDICT_LABELS = {
    "violation": "the collection, as declared, breaks a rule of this jurisdiction",
    "requires-consent": "lawful only with consent (or notice, a release) the crawl does not have",
    "needs-review": "a person must decide: a fact is unknown or the law is unsettled",
    "permitted": "allowed, with every fact the rules read known",
}
CONFIDENCE_LABELS = {
    "V": "verified: wording read in a primary or official source",
    "S": "secondary: confirmed in a reputable secondary source",
    "M": "memory: background knowledge, not verified",
}
