"""Plain-language labels shared by the HTML and Markdown reports."""

from __future__ import annotations

from provenance.vocab import SignalKind, VerdictKind

# what each opt-out says, for readers who have never seen one
OPTOUT_LABELS: dict[str, str] = {
    SignalKind.ROBOTS: "robots.txt disallows the crawler (or could not be read: a full disallow)",
    SignalKind.TERMS: "the terms of service forbid scraping",
    SignalKind.META_ROBOTS: "a robots meta tag on the page (noimageindex, noai, noimageai...)",
    SignalKind.X_ROBOTS_TAG: "an X-Robots-Tag HTTP header (noimageindex, noai...)",
    SignalKind.TDM_RESERVATION: "TDMRep: text-and-data-mining rights reserved",
    SignalKind.AI_TXT: "ai.txt disallows AI use",
    SignalKind.CONTENT_USAGE: "AIPREF Content-Usage (header, meta or robots.txt): n to AI use",
    SignalKind.CONTENT_SIGNAL: "Content-Signal: ai-train=no",
    SignalKind.RSL: "RSL licence: prohibits the crawl's AI use of the content",
    SignalKind.IPTC_DATA_MINING: "the file's IPTC/XMP metadata prohibits data mining",
    SignalKind.C2PA_TRAINING_MINING: "the file's C2PA credentials forbid training and mining",
}
VERDICT_LABELS: dict[str, str] = {
    VerdictKind.VIOLATION: "the collection, as declared, breaks a rule of this jurisdiction",
    VerdictKind.REQUIRES_CONSENT: (
        "lawful only with consent (or notice, a release) the crawl does not have"
    ),
    VerdictKind.NEEDS_REVIEW: "a person must decide: a fact is unknown or the law is unsettled",
    VerdictKind.PERMITTED: "allowed, with every fact the rules read known",
}
CONFIDENCE_LABELS = {
    "V": "verified: wording read in a primary or official source",
    "S": "secondary: confirmed in a reputable secondary source",
    "M": "memory: background knowledge, not verified",
}
