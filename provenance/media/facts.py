"""The facts provtrack records about one image, as frozen dataclasses with a JSON round trip.

Every section carries its own :class:`~provenance.observation.Status` so a missing EXIF block
("absent") is never confused with an unreadable one ("unparseable"), and an absent embedded
opt-out is never read as permission.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from typing import Any

from PIL import Image

from provenance.observation import Status

Box = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class MediaLimits:
    """Caps applied before any decoding; exceeding one gives ``Status.TOO_LARGE``, never a crash.

    ``max_pixels`` of ``None`` means Pillow's ``Image.MAX_IMAGE_PIXELS`` at call time (the
    threshold at which Pillow warns; provtrack treats that warning as an error).
    """

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int | None = None
    max_text_chars: int = 4096
    max_xmp_bytes: int = 8 * 1024 * 1024

    def pixel_cap(self) -> int:
        """The effective pixel cap."""
        if self.max_pixels is not None:
            return self.max_pixels
        return int(Image.MAX_IMAGE_PIXELS or 89_478_485)


DEFAULT_LIMITS = MediaLimits()


@dataclass(frozen=True, slots=True)
class GpsFacts:
    """Decimal WGS84 position from the EXIF GPS IFD; each value is ``None`` when unusable."""

    lat: float | None = None
    lon: float | None = None
    alt: float | None = None
    reason: str | None = None  # why lat/lon are None when a GPS IFD was present


@dataclass(frozen=True, slots=True)
class ExifFacts:
    """Selected EXIF fields (IFD0, Exif IFD, GPS IFD)."""

    status: Status = Status.ABSENT
    reason: str | None = None
    make: str | None = None
    model: str | None = None
    datetime_original: str | None = None
    software: str | None = None
    image_description: str | None = None
    artist: str | None = None
    copyright: str | None = None
    orientation: int | None = None
    gps: GpsFacts | None = None  # None when the file has no GPS IFD at all


@dataclass(frozen=True, slots=True)
class XmpFacts:
    """Rights, opt-out and location properties from the XMP packet (main + Extended XMP)."""

    status: Status = Status.ABSENT
    reason: str | None = None
    packet_size: int = 0
    extended: bool = False
    extended_reason: str | None = None
    creator: tuple[str, ...] = ()
    rights: str | None = None
    credit: str | None = None
    data_mining: str | None = None  # normalised last path segment, e.g. DMI-PROHIBITED
    data_mining_uri: str | None = None  # the value exactly as written
    data_mining_evidence: str | None = None  # the raw XML attribute or element
    other_constraints: str | None = None
    digital_source_type: str | None = None
    usage_terms: str | None = None
    web_statement: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    country_code: str | None = None
    location_created: tuple[dict[str, str], ...] = ()
    location_shown: tuple[dict[str, str], ...] = ()
    provenance: str | None = None  # dcterms:provenance, a pointer to a C2PA manifest
    # TDMRep in XMP (namespace http://www.w3.org/ns/tdmrep/): "1" reserves TDM rights
    tdm_reservation: str | None = None
    tdm_policy: str | None = None
    tdm_evidence: str | None = None
    # a packet the safe parser refused (a DTD, entities): never expanded; its literal opt-out
    # values were read from the raw text, and this says so
    unsafe: str | None = None


@dataclass(frozen=True, slots=True)
class IptcFacts:
    """IPTC IIM (record 2) datasets from the Photoshop APP13 block or the TIFF IPTC tag."""

    status: Status = Status.ABSENT
    reason: str | None = None
    object_name: str | None = None
    keywords: tuple[str, ...] = ()
    special_instructions: str | None = None
    date_created: str | None = None
    by_line: tuple[str, ...] = ()
    by_line_title: str | None = None
    city: str | None = None
    sub_location: str | None = None
    province_state: str | None = None
    country_code: str | None = None
    country: str | None = None
    headline: str | None = None
    credit: str | None = None
    source: str | None = None
    copyright_notice: str | None = None
    caption: str | None = None
    digest: str | None = None  # "match", "mismatch" or "absent" (Photoshop IPTCDigest 0x0425)


@dataclass(frozen=True, slots=True)
class C2paFacts:
    """C2PA manifest store: presence, validation and the training-and-data-mining assertion."""

    status: Status = Status.ABSENT
    reason: str | None = None
    present: bool = False
    source: str | None = None  # "c2pa-sdk", or "jumbf-scan" when the SDK could not read it
    validation_state: str | None = None  # SDK state: Valid, Trusted or Invalid
    valid: bool | None = None
    validation_codes: tuple[str, ...] = ()
    active_manifest: str | None = None
    claim_generator: str | None = None
    title: str | None = None
    assertion_labels: tuple[str, ...] = ()
    training_mining_labels: tuple[str, ...] = ()
    training_mining: dict[str, str] = field(default_factory=dict)  # entry key -> use
    training_mining_evidence: tuple[str, ...] = ()  # JSON of each assertion
    prohibits_training: bool | None = None
    remote_manifest_url: str | None = None


@dataclass(frozen=True, slots=True)
class RightsFacts:
    """Creator and copyright reconciled across EXIF, XMP and IIM by MWG 2.0 precedence."""

    creator: tuple[str, ...] = ()
    creator_source: str | None = None  # exif, xmp or iptc
    copyright: str | None = None
    copyright_source: str | None = None


@dataclass(frozen=True, slots=True)
class FaceFacts:
    """Face detection only: how many, and where (x, y, w, h in full-size displayed pixels)."""

    count: int = 0
    boxes: tuple[Box, ...] = ()


@dataclass(frozen=True, slots=True)
class MediaFacts:
    """Everything provtrack records about one downloaded image."""

    status: Status
    reason: str | None
    sha256: str
    byte_size: int
    format: str | None = None  # sniffed from the bytes: jpeg, png, gif, webp, tiff...
    content_type: str | None = None  # as the server declared it
    content_type_mismatch: bool = False
    url: str | None = None
    width: int | None = None
    height: int | None = None
    mode: str | None = None
    frames: int | None = None
    phash: str | None = None  # imagehash pHash, 16 hex chars
    dhash: str | None = None  # imagehash dHash, 16 hex chars
    pdq: str | None = None  # PDQ, 64 hex chars
    pdq_quality: int | None = None
    # pHashes of centred crops (CROP_FRACTIONS of each side removed): re-posts are often
    # cropped, and neither pHash nor PDQ of the whole image survives a crop of a few percent
    phash_crops: tuple[str, ...] = ()
    hash_basis: str | None = None  # which decoded raster the hashes were computed from
    exif: ExifFacts = field(default_factory=ExifFacts)
    xmp: XmpFacts = field(default_factory=XmpFacts)
    iptc_iim: IptcFacts = field(default_factory=IptcFacts)
    c2pa: C2paFacts = field(default_factory=C2paFacts)
    rights: RightsFacts = field(default_factory=RightsFacts)
    faces: FaceFacts | None = None  # None when detection was not run or could not run
    face_detector: dict[str, Any] | None = None
    text_fields: tuple[str, ...] = ()  # paths of extracted text that contained markup

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form; :meth:`from_dict` restores an equal object."""
        out: dict[str, Any] = _encode(self)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MediaFacts:
        """Inverse of :meth:`to_dict`; unknown keys are ignored (old readers, new fields)."""
        facts = _decode(cls, data)
        if not isinstance(facts, MediaFacts):
            raise TypeError("not a MediaFacts mapping")
        return facts


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(inner[0], value)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in value)
        return tuple(_decode(a, v) for a, v in zip(args, value, strict=True))
    if origin is dict:
        _, vt = typing.get_args(tp)
        return {str(k): _decode(vt, v) for k, v in value.items()}
    if tp is Any:
        return value
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = _hints(tp)
        kwargs = {
            f.name: _decode(hints[f.name], value[f.name])
            for f in dataclasses.fields(tp)
            if f.name in value
        }
        return tp(**kwargs)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if tp is float and isinstance(value, int):
        return float(value)
    return value
