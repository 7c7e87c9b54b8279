"""The record store's tables (SQLModel), one class per kind of fact provtrack keeps.

Each kind the crawler records (host snapshot, page, image, image occurrence, dataset entry,
the signals the first three carry, and the crawl run itself) has SQLModel's "multiple models"
shapes, and every column is declared once, in its base (the run's table and public shape add
only ``id``, the run being its own key):

- ``XBase(SQLModel)``: the data fields, their types, defaults, JSON columns and indexes;
- ``X(XBase, table=True)``: the table, adding only its primary key and its run (``id`` and
  ``run_id``, the foreign key), its table name and unique constraints;
- ``XPublic(XBase)``: a stored row as exports and ``show`` read it, with its ``id`` and
  ``run_id`` required (``XPublic.model_validate(row)``, see :mod:`provenance.export.records`).

The crawler's in-flight records (:mod:`provenance.records`, and
:class:`provenance.signals.model.Signal`) carry the base's fields under the same names plus
what is never stored (body bytes, signals, the WARC pointer as one object);
:mod:`provenance.store.mapping` copies the base's fields across by name, so a new column is
declared here and nowhere else in the mapping (``tests/store/test_shapes.py`` holds it). The
other tables (runs, verdicts, opt-outs, the evidence chain) are one class each.

JSON columns hold structured facts (signals' evidence, EXIF, jurisdiction candidates) whose
shape is documented in the README's export section. 64-bit perceptual hashes are stored as hex
text: they overflow signed integer columns in SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Timezone-aware now; every timestamp provtrack writes is UTC."""
    return datetime.now(UTC)


class CrawlRunBase(SQLModel):
    """One crawl: its mode, seeds, declared purpose and settings, as started and as finished."""

    mode: str  # compliant | reproduce | audit
    purpose: str = "clearview-style"
    seeds: list[str] = Field(default_factory=list, sa_type=JSON)
    allowed_hosts: list[str] = Field(default_factory=list, sa_type=JSON)
    user_agent: str = ""
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = "running"  # running | finished | interrupted
    summary: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class CrawlRun(CrawlRunBase, table=True):
    """The ``crawl_run`` table: :class:`CrawlRunBase` plus its key (the run id)."""

    __tablename__ = "crawl_run"

    id: str = Field(primary_key=True)


class CrawlRunPublic(CrawlRunBase):
    """A stored ``crawl_run`` row as read back: the data with its id."""

    id: str


class HostSnapshotBase(SQLModel):
    """A per-host policy document as fetched once: robots.txt, ai.txt, tdmrep.json or terms.

    ``outcome`` keeps what the fetch meant (for robots.txt: parsed, unavailable (4xx) or
    unreachable (5xx/error = full disallow)); it is never rewritten to "allowed".
    """

    host: str = Field(index=True)
    kind: str  # robots | ai_txt | tdmrep | terms | home
    url: str
    final_url: str | None = None
    outcome: str  # parsed | unavailable | unreachable | absent | not_fetched | ok ...
    status: str  # provenance.observation.Status
    reason: str = ""
    http_status: int | None = None
    fetched_at: datetime = Field(default_factory=utcnow)
    sha256: str | None = None
    byte_size: int = 0
    truncated: bool = False
    server_ip: str | None = None
    body: bytes | None = Field(default=None, sa_type=LargeBinary)
    parsed: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    warc_file: str | None = None
    warc_offset: int | None = None


class HostSnapshot(HostSnapshotBase, table=True):
    """The ``host_snapshot`` table: :class:`HostSnapshotBase` plus its key and its run."""

    __tablename__ = "host_snapshot"
    __table_args__ = (UniqueConstraint("run_id", "host", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, foreign_key="crawl_run.id")


class HostSnapshotPublic(HostSnapshotBase):
    """A stored ``host_snapshot`` row as exports read it: the data with its id and run."""

    id: int
    run_id: str


class PageBase(SQLModel):
    """A page the crawl reached or decided not to fetch, with how it got there."""

    url: str
    host: str = Field(index=True)
    decision: str  # fetched | skipped | failed
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    http_status: int | None = None
    content_type: str | None = None
    fetched_at: datetime = Field(default_factory=utcnow)
    depth: int = 0
    seed: str | None = None
    referrer_chain: list[str] = Field(default_factory=list, sa_type=JSON)
    lang: str | None = None
    title: str | None = None
    rendered: bool = False
    server_ip: str | None = None
    sha256: str | None = None
    error: str | None = None
    site_jurisdiction: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    warc_file: str | None = None
    warc_offset: int | None = None


class Page(PageBase, table=True):
    """The ``page`` table: :class:`PageBase` plus its key and its run."""

    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("run_id", "url"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, foreign_key="crawl_run.id")


class PagePublic(PageBase):
    """A stored ``page`` row as exports read it: the data with its id and run."""

    id: int
    run_id: str


class ImageBase(SQLModel):
    """One image URL: the gate's decision with its evidence and, when fetched, its media facts."""

    url: str = Field(index=True)
    host: str = Field(index=True)
    mode: str
    decision: str  # collected | skipped | failed
    stage: str | None = None  # before-download | after-download
    reasons: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    overridden: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    fetched_at: datetime = Field(default_factory=utcnow)
    http_status: int | None = None
    content_type: str | None = None
    response_headers: dict[str, list[str]] = Field(default_factory=dict, sa_type=JSON)
    server_ip: str | None = None
    byte_size: int | None = None
    sha256: str | None = Field(default=None, index=True)
    format: str | None = None
    width: int | None = None
    height: int | None = None
    phash: str | None = None
    dhash: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    face_count: int | None = None
    faces: list[list[int]] = Field(default_factory=list, sa_type=JSON)
    media: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    error: str | None = None
    site_jurisdiction: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    subject_jurisdiction: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    subject: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    warc_file: str | None = None
    warc_offset: int | None = None
    purged_at: datetime | None = None  # set by a purge, never by the crawl


class Image(ImageBase, table=True):
    """The ``image`` table: :class:`ImageBase` plus its key and its run."""

    __tablename__ = "image"
    __table_args__ = (UniqueConstraint("run_id", "url"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, foreign_key="crawl_run.id")


class ImagePublic(ImageBase):
    """A stored ``image`` row as exports read it: the data with its id and run."""

    id: int
    run_id: str


class ImageOccurrenceBase(SQLModel):
    """One appearance of an image on a page: alt text, title and the chain back to the seed."""

    image_url: str = Field(index=True)
    page_url: str
    alt: str | None = None
    title: str | None = None
    context: str | None = None
    snippets: list[str] = Field(default_factory=list, sa_type=JSON)
    seed: str | None = None
    referrer_chain: list[str] = Field(default_factory=list, sa_type=JSON)
    found_at: datetime = Field(default_factory=utcnow)


class ImageOccurrence(ImageOccurrenceBase, table=True):
    """The ``image_occurrence`` table: :class:`ImageOccurrenceBase` plus its key and its run."""

    __tablename__ = "image_occurrence"
    __table_args__ = (UniqueConstraint("run_id", "image_url", "page_url"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, foreign_key="crawl_run.id")


class ImageOccurrencePublic(ImageOccurrenceBase):
    """A stored ``image_occurrence`` row as exports read it: the data with its id and run."""

    id: int
    run_id: str


class DatasetEntryBase(SQLModel):
    """One row of a dataset an audit read (manifest row, img2dataset shard row, archived image),
    pointing at the image record of its URL in the same run.

    A dataset may list one URL many times: each row is an entry, and all of them share the one
    image record of that URL (``image`` by ``run_id`` and ``url``). ``key`` joins results back
    to the dataset; ``local`` and ``presence`` describe the dataset's own copy, if it has one.
    """

    source: str
    row: int
    key: str | None = Field(default=None, index=True)
    url: str = Field(index=True)
    caption: str | None = None
    page_url: str | None = None
    problem: str | None = None
    local: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    presence: str | None = None  # same | changed | gone | unknown
    presence_detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    recorded_at: datetime = Field(default_factory=utcnow)


class DatasetEntry(DatasetEntryBase, table=True):
    """The ``dataset_entry`` table: :class:`DatasetEntryBase` plus its key and its run."""

    __tablename__ = "dataset_entry"
    __table_args__ = (UniqueConstraint("run_id", "source", "row"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, foreign_key="crawl_run.id")


class DatasetEntryPublic(DatasetEntryBase):
    """A stored ``dataset_entry`` row as exports read it: the data with its id and run."""

    id: int
    run_id: str


class SignalRecordBase(SQLModel):
    """One observed signal (see provenance.signals.model.Signal) on a host, page or image."""

    level: str  # host | page | image
    subject: str = Field(index=True)  # the host name, page URL or image URL
    kind: str
    value: str
    source: str
    evidence: str
    agent: str | None = None
    restricts: bool = False
    url: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class SignalRecord(SignalRecordBase, table=True):
    """The ``signal`` table: :class:`SignalRecordBase` plus its key and its run."""

    __tablename__ = "signal"

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(index=True, foreign_key="crawl_run.id")


class SignalRecordPublic(SignalRecordBase):
    """A stored ``signal`` row as exports read it: the data with its id and run."""

    id: int
    run_id: str


class Evaluation(SQLModel, table=True):
    """One evaluation of stored image records against the policy packs, and what it covered.

    ``runs`` are the crawl runs whose image records it judged, ``purposes`` the purpose profile
    each run declared (run id → profile name) and ``packs`` the pack versions it applied (pack
    id → version). Its verdicts are :class:`ImageVerdict` rows; readers only use an evaluation
    whose ``status`` is ``finished``, so an interrupted one is never half-read.
    """

    __tablename__ = "evaluation"

    id: str = Field(primary_key=True)
    runs: list[str] = Field(default_factory=list, sa_type=JSON)
    purposes: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    packs: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    started_at: datetime = Field(default_factory=utcnow)
    finished_at: datetime | None = None
    status: str = "running"  # running | finished
    records: int = 0
    verdicts: int = 0


class VerdictOutcome(SQLModel, table=True):
    """One distinct verdict of a pack: the verdict, the rules that fired or stayed undecided
    (with their citations and explanations) and the reasons.

    Stored once and shared by every image record and evaluation that received the same
    judgement; ``digest`` is the sha256 of its canonical content, so equal outcomes are one
    row (see :func:`provenance.store.verdicts.outcome_digest`).
    """

    __tablename__ = "verdict_outcome"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(unique=True)
    pack: str
    pack_version: str
    jurisdiction: str
    verdict: str
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    reasons: list[str] = Field(default_factory=list, sa_type=JSON)


class ImageVerdict(SQLModel, table=True):
    """A pack's verdict on one image record in one evaluation: the verdict and its outcome.

    One row per (evaluation, image, pack), written in bulk; the evidence log chains them by
    batch (one entry whose digest covers every row of the batch, see
    :mod:`provenance.store.verdicts`). ``verdict`` repeats the outcome's verdict so that a
    query by verdict needs no join and ``verify`` can name a row whose verdict was edited.
    SQLite keeps the rows in primary-key order (no rowid): one B-tree, appended in order.
    """

    __tablename__ = "image_verdict"
    __table_args__ = {"sqlite_with_rowid": False}

    evaluation: str = Field(primary_key=True, foreign_key="evaluation.id")
    image_id: int = Field(
        primary_key=True, foreign_key="image.id", sa_column_kwargs={"autoincrement": False}
    )
    pack: str = Field(primary_key=True)
    verdict: str
    outcome_id: int = Field(foreign_key="verdict_outcome.id")


class OptOutRequest(SQLModel, table=True):
    """A person's or site's request not to be collected, and what was done about it."""

    __tablename__ = "optout_request"

    id: int | None = Field(default=None, primary_key=True)
    kind: str  # image | url | host | jurisdiction
    value: str  # the URL, host or jurisdiction code; for an image, what was sent (no digest)
    # hashes of a request's photo, as requests before the person-purge stored them; now empty:
    # the request's tombstones (``Tombstone.request_id``) hold the photo's hashes, nothing else
    hashes: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    note: str = ""
    received_at: datetime = Field(default_factory=utcnow)
    processed_at: datetime | None = None
    matched: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    # what the purge did: rows scrubbed, WARC records removed, files rewritten, tombstones
    receipt: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Tombstone(SQLModel, table=True):
    """What remains of a purged image: hashes only, so the photo is never collected again."""

    __tablename__ = "tombstone"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, index=True, foreign_key="optout_request.id")
    sha256: str | None = Field(default=None, index=True)
    phash: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    # pHashes of the centred crops (5, 10, 15 % off each side), as the media pipeline stores them
    phash_crops: list[str] = Field(default_factory=list, sa_type=JSON)
    url_sha256: str | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class EvidenceEntry(SQLModel, table=True):
    """One link of the append-only hash chain over the canonical digests of stored records."""

    __tablename__ = "evidence_entry"

    seq: int = Field(primary_key=True)
    kind: str  # run | snapshot | page | image | occurrence | signal | verdict | optout | purge
    subject: str  # "<table>:<id>" of the record the digest covers
    digest: str  # sha256 of the record's canonical JSON
    prev_hash: str
    entry_hash: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    note: str = ""


class SigningKey(SQLModel, table=True):
    """A public key the store's checkpoints are signed with (its private key is kept outside
    the store; see :mod:`provenance.store.checkpoints`). Chained like every record."""

    __tablename__ = "signing_key"

    id: str = Field(primary_key=True)  # sha256 (hex) of the raw public key
    algorithm: str = "ed25519"
    public_key: str  # base64 of the raw public key
    created_at: datetime = Field(default_factory=utcnow)


class Checkpoint(SQLModel, table=True):
    """A signed statement of the evidence chain's head: entry ``seq`` has hash ``entry_hash``.

    Not chained itself (its signature is what makes it hold); ``verify`` checks each one
    against the chain it recomputes.
    """

    __tablename__ = "checkpoint"

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(index=True)
    entry_hash: str
    signed_at: str  # ISO 8601 UTC, as signed
    reason: str  # what ended: "run R finished", "evaluation E", "opt-out request N"...
    key_id: str = Field(foreign_key="signing_key.id")
    signature: str  # base64 Ed25519 signature of checkpoint_message(...)
