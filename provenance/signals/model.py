"""The shape of one observed signal, shared by the crawler, the store, exports and the gate."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from provenance.vocab import Level, SignalKind

__all__ = ["Level", "Signal", "SignalKind"]


@dataclass(frozen=True, slots=True)
class Signal:
    """One signal as observed, with the raw evidence it rests on.

    ``value`` is normalised (``noimageai``, ``1``, ``DMI-PROHIBITED-AIMLTRAINING``,
    ``disallow``); ``source`` says where it was read (``header:X-Robots-Tag``,
    ``meta:robots``, ``robots.txt``, ``xmp``, ``c2pa``, ``/.well-known/tdmrep.json``);
    ``evidence`` is the raw text it came from (the header line, the tag, the robots rule).
    ``agent`` is the user agent the signal is scoped to, or ``None`` when it applies to all.
    ``restricts`` says whether the signal forbids collection for provtrack's purpose; a
    signal can be informative (a licence URL) without restricting anything.
    """

    kind: SignalKind
    value: str
    source: str
    evidence: str
    level: Level
    agent: str | None = None
    restricts: bool = False
    url: str | None = None  # the URL the signal was read from (page, image or policy file)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form used by the store and exports."""
        data = asdict(self)
        data["kind"] = self.kind.value
        data["level"] = self.level.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signal:
        """Inverse of :meth:`to_dict`."""
        return cls(
            kind=SignalKind(data["kind"]),
            value=data["value"],
            source=data["source"],
            evidence=data["evidence"],
            level=Level(data["level"]),
            agent=data.get("agent"),
            restricts=bool(data.get("restricts", False)),
            url=data.get("url"),
            extra=dict(data.get("extra") or {}),
        )
