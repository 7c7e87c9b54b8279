"""The vocabulary every reader and the gate share: provtrack's token and the opt-out directives.

Kept apart from ``gate.py`` so that readers can compute ``Signal.restricts`` with the gate's own
sets without importing the gate (which imports the readers).
"""

from __future__ import annotations

PROVTRACK_AGENT = "provtrack"
"""provtrack's user-agent product token, as robots.txt groups and per-bot metas name it."""

PAGE_IMAGE_OPTOUT_DIRECTIVES = frozenset({"noimageindex", "noai", "noimageai", "noml", "none"})
"""Page-level meta robots / X-Robots-Tag directives that forbid collecting the page's images.

``noindex`` is absent on purpose: it asks not to index the page itself, not its images.
"""

IMAGE_RESPONSE_OPTOUT_DIRECTIVES = frozenset(
    {"noindex", "noimageindex", "noai", "noimageai", "noml", "none"}
)
"""X-Robots-Tag directives on an image response that forbid keeping that image.

On the image itself ``noindex`` does apply: the resource it is sent with is the image.
"""

TERMS_PROHIBITING_KINDS = frozenset({"prohibits-scraping", "prohibits-automated-access"})
"""Terms-of-service findings (kind of a (kind, sentence) pair) that forbid fetching pages."""


def product_token(agent: str) -> str:
    """Return the lower-cased product token of a user agent (``provtrack/0.1 (+url)``: provtrack).

    Only the text before the first ``/`` is cut off, so panel names such as ``Brightbot 1.0``
    survive as written; robots.txt groups are matched against product tokens (RFC 9309 §2.2.1).
    """
    return agent.split("/", 1)[0].strip().lower()


def applies_to_provtrack(agent: str | None) -> bool:
    """Whether a signal scoped to ``agent`` (``None`` = every agent) binds provtrack.

    A robots.txt ``*`` group binds provtrack only through provtrack's own evaluation (which
    falls back to ``*`` when provtrack has no group), so ``"*"`` here is another agent.
    """
    return agent is None or product_token(agent) == PROVTRACK_AGENT
