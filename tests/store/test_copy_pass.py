"""The end-of-run copy pass holds one host's images at a time, so a run's memory stays flat.

Every copy of one photograph on one host gets one subject (``subjects.unify_copies``).
Grouping the whole run at once held ~2.6 KB per image of the run at the very end of a run:
the main process's peak RSS of an audit grew with its rows (+53 MB at 25,000 rows)
(bench/README.md, "audit"). Copies are only looked for on one host, so the pass now groups one
host at a time; these tests hold the groups to a brute-force reference and the pass's memory
to what one host needs, however many hosts the run has.
"""

from __future__ import annotations

import gc
import random
import tracemalloc
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlmodel import select

from provenance import subjects
from provenance.matching import HashSet
from provenance.store import Store, open_store
from provenance.store.models import CrawlRun, Image

RUN = "copies"


def _phash(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _flip(value: str, bits: int, rng: random.Random) -> str:
    number = int(value, 16)
    for bit in rng.sample(range(64), bits):
        number ^= 1 << bit
    return f"{number:016x}"


def _image(host: str, n: int, phash: str, crops: Sequence[str], sha: str, minor: bool) -> Image:
    return Image(
        run_id=RUN,
        url=f"http://{host}/img/{n}.jpg",
        host=host,
        mode="audit",
        decision="collected",
        sha256=sha,
        phash=phash,
        media={"status": "ok", "phash_crops": list(crops)},
        subject={"is_minor": True if minor else None},
    )


def _photos(hosts: int, per_host: int, *, disagree: bool = True, seed: int = 7) -> list[Image]:
    """``per_host`` images on each host: every fifth a re-encoded copy (pHash 1-2 bits off) of
    an earlier one, every seventh a byte-identical one; the same photographs on every host.
    With ``disagree`` every third image's subject is a minor, so copies disagree."""
    rng = random.Random(seed)  # noqa: S311 - synthetic hashes, not secrets
    photos: list[tuple[str, list[str], str]] = []
    images: list[Image] = []
    for n in range(per_host):
        if n % 5 == 4 and photos:
            phash, crops, _ = rng.choice(photos)
            photo = (
                _flip(phash, 2, rng),
                [_flip(c, 1, rng) for c in crops],
                f"{rng.getrandbits(256):064x}",
            )
        elif n % 7 == 6 and photos:
            photo = rng.choice(photos)
        else:
            photo = (_phash(rng), [_phash(rng) for _ in range(3)], f"{rng.getrandbits(256):064x}")
        photos.append(photo)
    for h in range(hosts):
        host = f"bulk-{h:03d}.example"
        for n, (phash, crops, sha) in enumerate(photos):
            # copies disagree on the subject (every third one a minor), so groups are updated
            images.append(_image(host, n, phash, crops, sha, minor=disagree and n % 3 == 0))
    return images


def _store(path: Path, images: list[Image]) -> Store:
    store = open_store(str(path))
    store.write([CrawlRun(id=RUN, mode="audit")])
    for start in range(0, len(images), 500):
        store.write(images[start : start + 500])
    return store


def _images(store: Store) -> list[Image]:
    with store.session() as session:
        return list(session.exec(select(Image).where(Image.run_id == RUN).order_by(Image.id)))


def _reference(store: Store) -> list[list[int]]:
    """Connected components of ``same_photograph`` over every pair of images on one host."""
    images = _images(store)
    hashes = {
        i.id: HashSet.from_dict({**i.media, "sha256": i.sha256, "phash": i.phash}) for i in images
    }
    parent = {i.id: i.id for i in images}

    def find(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    for a in images:
        for b in images:
            if a.id < b.id and a.host == b.host:
                assert a.id is not None
                assert b.id is not None
                if subjects.same_photograph(hashes[a.id], hashes[b.id]):
                    parent[find(b.id)] = find(a.id)
    groups: dict[int, list[int]] = {}
    for image in images:
        assert image.id is not None
        groups.setdefault(find(image.id), []).append(image.id)
    return sorted(g for g in groups.values() if len(g) > 1)


def test_copies_are_grouped_on_each_host_as_every_pair_compared_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = _store(tmp_path / "s.db", _photos(hosts=3, per_host=60))
    held: list[tuple[int, set[str]]] = []
    found: list[list[int]] = []
    grouping = subjects._copy_groups

    def recording(rows: Sequence[tuple[subjects._Copy, HashSet]]) -> list[list[subjects._Copy]]:
        held.append((len(rows), {copy.host for copy, _ in rows}))
        groups = grouping(rows)
        found.extend([c.id for c in g] for g in groups)
        return groups

    monkeypatch.setattr(subjects, "_copy_groups", recording)
    minor_before = {i.id: i.subject.get("is_minor") for i in _images(store)}
    changed = subjects.unify_copies(store, RUN)
    # one host at a time, never more than one host's images held
    assert [n for n, _ in held] == [60, 60, 60]
    assert all(len(hosts) == 1 for _, hosts in held)
    # the same photograph on other hosts is never grouped with this host's copy
    assert sorted(found) == _reference(store)
    # the groups whose copies disagreed now agree, and list their copies
    disagreed = [g for g in found if len({minor_before[i] for i in g}) > 1]
    assert disagreed
    assert changed == sum(len(g) for g in disagreed)
    images = {i.id: i for i in _images(store)}
    for group in disagreed:
        assert len({repr(images[i].subject) for i in group}) == 1
        assert {images[i].url for i in group} == set(images[group[0]].subject["copies"])


def _pass_peak(tmp_path: Path, hosts: int, per_host: int) -> int:
    """tracemalloc's peak over the copy pass of ``hosts`` hosts of ``per_host`` images whose
    copies agree (so the pass groups and writes nothing)."""
    images = _photos(hosts=hosts, per_host=per_host, disagree=False)
    store = _store(tmp_path / f"peak-{hosts}.db", images)
    del images
    gc.collect()
    tracemalloc.start()
    try:
        changed = subjects.unify_copies(store, RUN)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    store.engine.dispose()
    assert changed == 0
    return peak


def test_the_copy_pass_holds_one_host_not_the_run(tmp_path: Path) -> None:
    # 8 hosts of 300 images against 20 of 300 (rows are streamed 1,000 at a time, so both
    # reach the pass's peak: a host's rows while the next chunk is read): grouping the run at
    # once held ~4 KB per image of the run under tracemalloc, +14 MB for the 20 hosts; one
    # host at a time holds the same for both
    eight = _pass_peak(tmp_path, hosts=8, per_host=300)
    twenty = _pass_peak(tmp_path, hosts=20, per_host=300)
    assert twenty < eight * 1.2, f"copy pass peak {twenty} bytes for 20 hosts, {eight} for 8"
