"""Store round trips: what goes in comes back, and its evidence digest survives (hypothesis)."""

from __future__ import annotations

import uuid
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provenance.store import open_store
from provenance.store.canonical import record_digest
from provenance.store.models import CrawlRun, EvidenceEntry, Image, SignalRecord
from provenance.verify import verify

text = st.text(max_size=40)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    url=st.text(min_size=1, max_size=80),
    media=st.dictionaries(text, json_value, max_size=4),
    evidence=text,
    phash=st.integers(0, 2**64 - 1),
)
def test_image_and_signal_round_trip(
    tmp_path: Path, url: str, media: dict, evidence: str, phash: int
) -> None:
    store = open_store(str(tmp_path / f"{uuid.uuid4().hex}.db"))  # a fresh store per example
    image = Image(
        run_id="r",
        url=url,
        host="h",
        mode="compliant",
        decision="collected",
        media=media,
        phash=f"{phash:016x}",
    )
    signal = SignalRecord(
        run_id="r",
        level="image",
        subject=url,
        kind="x-robots-tag",
        value="noai",
        source="header:X-Robots-Tag",
        evidence=evidence,
    )
    store.write([CrawlRun(id="r", mode="compliant")])  # rows name their run (a foreign key)
    store.write([[image, signal]])
    (stored,) = store.all(Image, run_id="r", url=url)
    assert stored.media == media
    assert int(stored.phash or "0", 16) == phash
    assert record_digest(stored) == record_digest(image)
    (sig,) = store.all(SignalRecord, run_id="r", subject=url)
    assert sig.evidence == evidence
    assert store.count(EvidenceEntry) == 3
    assert verify(store, None).ok
