"""Read C2PA Content Credentials with the c2pa SDK, offline, falling back to JUMBF presence.

The SDK is configured never to fetch a remote manifest (a manifest URL in XMP would otherwise
make it reach the network); such a URL is recorded instead. Both the C2PA 1.x
``c2pa.training-mining`` and the CAWG ``cawg.training-mining`` assertions are read. Following
the CAWG specification, ``constrained`` counts as ``notAllowed`` when no more is known.
"""

from __future__ import annotations

import io
import json
import re
import threading
from typing import Any

import c2pa

from provenance.media._text import TextLog
from provenance.media.facts import C2paFacts
from provenance.observation import Status

TRAINING_MINING_LABELS = ("c2pa.training-mining", "cawg.training-mining")
RESTRICTIVE_USES = ("notAllowed", "constrained")
_SDK_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
_REMOTE_URL = re.compile(r"(https?://\S+)")
_local = threading.local()


def _context() -> Any:
    ctx = getattr(_local, "context", None)
    if ctx is None:
        ctx = c2pa.Context.from_dict(_SDK_SETTINGS)
        _local.context = ctx
    return ctx


_supported: frozenset[str] | None = None


def sdk_supports(mime: str | None) -> bool:
    """Whether the installed c2pa SDK can read this MIME type."""
    global _supported
    if mime is None:
        return False
    if _supported is None:
        try:
            _supported = frozenset(c2pa.Reader.get_supported_mime_types())
        except Exception:  # an SDK that cannot list types is treated as supporting none
            _supported = frozenset()
    return mime in _supported


def _label_base(label: str) -> str:
    """``cawg.training-mining__1`` -> ``cawg.training-mining`` (instance suffixes dropped)."""
    return label.split("__", 1)[0]


def _training_key_restricts(key: str, use: str) -> bool | None:
    if not key.endswith(("ai_training", "ai_generative_training")):
        return None
    return use in RESTRICTIVE_USES


def prohibits_training(entries: dict[str, str]) -> bool | None:
    """True if any training entry is notAllowed/constrained, False if all are allowed, else None."""
    verdicts = [_training_key_restricts(k, u) for k, u in entries.items()]
    known = [v for v in verdicts if v is not None]
    if not known:
        return None
    return any(known)


def _claim_generator(manifest: dict[str, Any]) -> str | None:
    generator = manifest.get("claim_generator")
    if isinstance(generator, str) and generator:
        return generator
    info = manifest.get("claim_generator_info")
    if isinstance(info, list):
        parts = []
        for item in info:
            if isinstance(item, dict) and item.get("name"):
                version = item.get("version")
                parts.append(f"{item['name']}/{version}" if version else str(item["name"]))
        return " ".join(parts) or None
    return None


def _from_sdk_json(report: dict[str, Any], state: str | None, log: TextLog) -> C2paFacts:
    active = report.get("active_manifest")
    manifests = report.get("manifests") or {}
    manifest = manifests.get(active) if isinstance(manifests, dict) else None
    manifest = manifest if isinstance(manifest, dict) else {}
    codes = tuple(
        str(s.get("code"))
        for s in report.get("validation_status") or []
        if isinstance(s, dict) and s.get("code")
    )
    labels: list[str] = []
    tm_labels: list[str] = []
    entries: dict[str, str] = {}
    evidence: list[str] = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict):
            continue
        label = str(assertion.get("label", ""))
        labels.append(label)
        if _label_base(label) not in TRAINING_MINING_LABELS:
            continue
        tm_labels.append(label)
        evidence.append(json.dumps(assertion, sort_keys=True, ensure_ascii=False))
        data = assertion.get("data")
        raw_entries = data.get("entries") if isinstance(data, dict) else None
        if isinstance(raw_entries, dict):
            for key, entry in raw_entries.items():
                use = entry.get("use") if isinstance(entry, dict) else None
                if isinstance(use, str):
                    entries[str(key)] = use
    state = state or report.get("validation_state")
    valid = None
    if isinstance(state, str):
        valid = state.lower() in ("valid", "trusted")
    return C2paFacts(
        status=Status.OK,
        present=True,
        source="c2pa-sdk",
        validation_state=state if isinstance(state, str) else None,
        valid=valid,
        validation_codes=codes,
        active_manifest=log.take("c2pa.active_manifest", active),
        claim_generator=log.take("c2pa.claim_generator", _claim_generator(manifest)),
        title=log.take("c2pa.title", manifest.get("title")),
        assertion_labels=tuple(labels),
        training_mining_labels=tuple(tm_labels),
        training_mining=entries,
        training_mining_evidence=tuple(evidence),
        prohibits_training=prohibits_training(entries),
    )


def read_c2pa(data: bytes, mime: str | None, jumbf_found: bool | None, log: TextLog) -> C2paFacts:
    """C2PA facts for one file.

    ``jumbf_found`` is the container walk's answer for JPEG and PNG (``None`` for formats we do
    not walk). When the walk found no JUMBF box in a JPEG or PNG the SDK is not called: it would
    find nothing either, and skipping it keeps the common case cheap.
    """
    if jumbf_found is False:
        return C2paFacts(status=Status.ABSENT, reason="no JUMBF (C2PA) box in the file")
    if not sdk_supports(mime):
        if jumbf_found:
            return C2paFacts(
                status=Status.UNPARSEABLE,
                reason=f"JUMBF box found but the c2pa SDK does not read {mime}",
                present=True,
                source="jumbf-scan",
            )
        return C2paFacts(status=Status.ABSENT, reason=f"C2PA not read for {mime or 'unknown'}")
    try:
        reader = c2pa.Reader(mime, io.BytesIO(data), None, _context())
    except c2pa.C2paError.ManifestNotFound:
        if jumbf_found:
            return C2paFacts(
                status=Status.UNPARSEABLE,
                reason="JUMBF box found but the SDK found no manifest in it",
                present=True,
                source="jumbf-scan",
            )
        return C2paFacts(status=Status.ABSENT, reason="no C2PA manifest")
    except c2pa.C2paError.RemoteManifest as err:
        match = _REMOTE_URL.search(str(err))
        url = log.take("c2pa.remote_manifest_url", match.group(1) if match else None)
        return C2paFacts(
            status=Status.ABSENT,
            reason="only a remote manifest is referenced; remote fetching is disabled",
            remote_manifest_url=url,
        )
    except Exception as err:  # the SDK raises C2paError subclasses and, rarely, others
        return C2paFacts(
            status=Status.UNPARSEABLE,
            reason=f"c2pa SDK: {err}",
            present=bool(jumbf_found),
            source="jumbf-scan" if jumbf_found else None,
        )
    try:
        with reader:
            report = json.loads(reader.json())
            state = reader.get_validation_state()
    except Exception as err:  # as above
        return C2paFacts(
            status=Status.UNPARSEABLE,
            reason=f"c2pa SDK report: {err}",
            present=True,
            source="jumbf-scan",
        )
    if not isinstance(report, dict):
        return C2paFacts(
            status=Status.UNPARSEABLE, reason="c2pa SDK report is not an object", present=True
        )
    return _from_sdk_json(report, state, log)
