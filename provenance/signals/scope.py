"""Which signals are recorded on an image record, and which stay with its page or host."""

from __future__ import annotations

from provenance.signals.model import Level, Signal


def own_signals(url: str, signals: list[Signal]) -> list[Signal]:
    """The signals that belong on the image record itself, once each.

    Its response headers and embedded metadata, and the host documents' answer for this very
    URL (the robots.txt line, the tdmrep.json rule, the ai.txt line). Page-level signals are on
    the page record, host-wide ones (terms, group-level lines) on the host snapshot; exports
    join them back, so they are not copied onto every image.
    """
    seen: set[tuple[object, ...]] = set()
    out: list[Signal] = []
    for s in signals:
        mine = s.level is Level.IMAGE or (s.level is Level.HOST and s.extra.get("target") == url)
        key = (s.kind, s.value, s.source, s.evidence, s.level, s.agent, s.url)
        if mine and key not in seen:
            seen.add(key)
            out.append(s)
    return out
