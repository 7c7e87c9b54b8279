"""An index of someone else's web archive: WARC files and WACZ packages, read with warcio.

One pass over every record keeps, per URL, where each capture is (file, offset), when it was
made, its HTTP status and headers; HTML pages are parsed on the way for the images they show
(``src``, ``srcset``, ``<picture>``), and request records give the ``Referer`` each image was
fetched with. Payloads stay in the archive and are read back on demand, decoded as a client
would have read them (:mod:`provenance.archive.payload`).

- Revisit records point at the capture whose payload they repeat (``WARC-Refers-To``, else the
  same ``WARC-Payload-Digest``): the bytes come from that original; the HTTP head is the
  revisit's own when it holds one (what the server said at that capture), else the original's
  (a revisit without HTTP headers, or a ``304`` of ``server-not-modified``). A revisit whose
  original the archive does not hold has no payload.
- URLs are indexed as requests ask for them: angle brackets removed (``<http://...>``, the WARC
  1.1 draft's grammar that wget 1.19 wrote), IRIs percent-encoded (UTF-8), IDN hosts in
  punycode, percent escapes in upper case, default ports and fragments dropped.
- ``resource`` records of ``urn:`` targets (browsertrix's ``urn:pageinfo:``, screenshots,
  extracted text) and ``metadata`` records are the archiver's own, not the web's: counted,
  never audited as images.
- A file damaged mid-way (a corrupt gzip member, a member that is not a WARC record, a file
  that ends inside a record) keeps the records before the damage; reading resumes at the next
  intact gzip member; the damage is named in ``unreadable`` (file, byte offset, reason).

Nothing here fetches: what the archive does not hold is simply absent from the index, and the
audit says ``not captured`` for it.
"""

from __future__ import annotations

import base64
import binascii
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import safe_url_string
from warcio.archiveiterator import ArchiveIterator

from provenance.archive.payload import decode_payload
from provenance.errors import InputError
from provenance.signals._html import join_url, parse_html
from provenance.signals.page import extract_images

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
MAX_PAGE_BYTES = 8 * 1024 * 1024  # pages larger than this are indexed, not parsed for images
IMAGE_TYPES = ("image/",)
RAW_SLACK = 1 << 16  # chunk-size lines and compression overhead over the decoded cap
_ESCAPE = re.compile(r"%[0-9a-f]{2}")


def _upper_escape(match: re.Match[str]) -> str:
    return match.group(0).upper()


def normalise(url: str) -> str:
    """The form URLs are indexed under (module docstring): the form a request for it has."""
    url = url.strip().removeprefix("<").removesuffix(">").strip()
    try:
        if not url.isascii() or " " in url:
            url = safe_url_string(url)  # IRI -> URI (UTF-8), IDN -> punycode, space -> %20
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80"):
        netloc = netloc[:-3]
    elif parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc[:-4]
    path = _ESCAPE.sub(_upper_escape, parts.path or "/")
    query = _ESCAPE.sub(_upper_escape, parts.query)
    return urlunsplit((parts.scheme.lower(), netloc, path, query, ""))


def is_web_url(url: str) -> bool:
    """Whether a record's target is a web URL (http, https), not an archiver's ``urn:``."""
    return url.lower().startswith(("http://", "https://"))


def digest_key(value: str | None) -> str | None:
    """A payload digest in one spelling: ``sha1:`` base32 upper case (a base16 one converted)."""
    if not value:
        return None
    algo, sep, text = value.strip().partition(":")
    if not sep:
        return value.strip()
    algo, text = algo.strip().lower(), text.strip()
    if algo == "sha1" and len(text) == 40:
        try:
            text = base64.b32encode(binascii.unhexlify(text)).decode()
        except (binascii.Error, ValueError):
            pass
    return f"{algo}:{text.upper()}"


def _parse_date(value: str | None) -> datetime:
    if not value:
        return datetime.fromtimestamp(0, UTC)
    text = value.strip()
    try:
        if len(text) == 14 and text.isdigit():  # ARC files: 20240131123000
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.fromtimestamp(0, UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Capture:
    """One captured response: where it is in the archive and what its HTTP head said.

    ``file`` is the WARC path, or ``WACZ!member`` for a WARC inside a WACZ. ``payload_at`` is
    where the payload is (the record itself, or for a revisit the record it repeats; ``None``
    when the archive does not hold it).
    """

    url: str
    file: str
    offset: int
    date: datetime
    record_type: str
    status: int | None
    headers: tuple[tuple[str, str], ...]
    ip: str | None = None
    payload_digest: str | None = None
    payload_at: tuple[str, int] | None = None
    truncated: str | None = None
    segments: tuple[tuple[str, int], ...] = ()  # the payload's continuation records, in order

    @property
    def content_type(self) -> str | None:
        """The Content-Type header's media type, lower-cased."""
        for name, value in self.headers:
            if name.lower() == "content-type":
                return value.split(";", 1)[0].strip().lower() or None
        return None

    def header_map(self) -> dict[str, list[str]]:
        """The HTTP headers as lower-cased name → values."""
        out: dict[str, list[str]] = {}
        for name, value in self.headers:
            out.setdefault(name.lower(), []).append(value)
        return out

    @property
    def is_html(self) -> bool:
        """Whether the capture is an HTML page."""
        return self.content_type in ("text/html", "application/xhtml+xml")

    @property
    def is_image(self) -> bool:
        """Whether the capture says it is an image (sniffing happens when the payload is read)."""
        kind = self.content_type or ""
        return kind.startswith(IMAGE_TYPES)


@dataclass(frozen=True, slots=True)
class Shown:
    """An image a captured page shows: its URL and the attributes it was offered with."""

    image_url: str
    page_url: str
    alt: str | None
    title: str | None
    attribute: str
    largest: bool


@dataclass(slots=True)
class ArchiveIndex:
    """Every capture of an archive by URL, the images its pages show and the referrers seen."""

    files: list[str] = field(default_factory=list)
    captures: dict[str, list[Capture]] = field(default_factory=dict)
    shown: dict[str, list[Shown]] = field(default_factory=dict)
    referrers: dict[str, list[str]] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    records: int = 0
    archiver_records: int = 0  # urn: resources (page info, screenshots, text) and metadata
    host_first: dict[str, datetime] = field(default_factory=dict)

    def capture(self, url: str, when: datetime | None = None) -> Capture | None:
        """The capture of ``url`` in force at ``when`` (the latest made at or before it, else
        the earliest after it); without ``when`` the latest. Redirects (3xx) count as captures."""
        found = self.captures.get(normalise(url))
        if not found:
            return None
        if when is None:
            return found[-1]
        before = [c for c in found if c.date <= when]
        return before[-1] if before else found[0]

    def pages(self) -> Iterator[Capture]:
        """The latest capture of every HTML page, in URL order."""
        for url in sorted(self.captures):
            latest = self.captures[url][-1]
            if latest.is_html:
                yield latest

    def image_urls(self) -> list[str]:
        """Every image URL the archive knows of: captured image responses, then the images
        captured pages show (``src``, or an element's largest candidate), in URL order."""
        urls = {u for u, caps in self.captures.items() if any(c.is_image for c in caps)}
        urls |= {
            s.image_url
            for shown in self.shown.values()
            for s in shown
            if s.attribute in ("src", "data-src") or s.largest
        }
        return sorted(u for u in urls if is_web_url(u))

    def hosts(self) -> list[str]:
        """Every host with a capture."""
        return sorted({(urlsplit(u).hostname or "").lower() for u in self.captures} - {""})

    def policy_epoch(self, url: str) -> tuple[str, datetime] | None:
        """Which of the host's policy-document captures were in force when ``url`` was
        captured (a label, and that capture time), or None when the archive holds at most one
        capture of each (the host then has one policy, read as of its first capture). The
        label names what the documents said (status and payload digest), so repeated captures
        of an unchanged robots.txt share one epoch."""
        parts = urlsplit(normalise(url))
        origin = f"{parts.scheme}://{parts.netloc}"
        documents = [self.captures.get(origin + path, []) for path in sorted(POLICY_PATHS)]
        if all(len(found) <= 1 for found in documents):
            return None
        capture = self.capture(url)
        if capture is None:
            return None
        when = capture.date
        label = []
        for path, found in zip(sorted(POLICY_PATHS), documents, strict=True):
            before = [c for c in found if c.date <= when]
            chosen = before[-1] if before else (found[0] if found else None)
            # captures of the same bytes and status (Common Crawl fetches robots.txt again and
            # again) are one epoch: only a change of what the document said starts another
            same = (
                f"{chosen.status}:{chosen.payload_digest or chosen.date.isoformat()}"
                if chosen
                else "none"
            )
            label.append(f"{path}={same}")
        return " ".join(label), when

    def policy_captures(self, url: str) -> dict[str, str]:
        """For each policy document of ``url``'s host, the capture an audit reads for it (the
        one in force at its epoch, else as of the host's first capture): ``path`` -> ``file@
        offset, captured DATE``, or ``not captured``."""
        parts = urlsplit(normalise(url))
        origin = f"{parts.scheme}://{parts.netloc}"
        epoch = self.policy_epoch(url)
        when = epoch[1] if epoch else self.first_capture_of_host((parts.hostname or "").lower())
        out: dict[str, str] = {}
        for path in sorted(POLICY_PATHS):
            chosen = self.capture(origin + path, when)
            out[path] = (
                f"{chosen.file}@{chosen.offset}, captured {chosen.date.isoformat()}"
                if chosen
                else "not captured"
            )
        return out

    def first_capture_of_host(self, host: str) -> datetime | None:
        """When the archive first captured anything of ``host`` other than policy documents."""
        return self.host_first.get(host)

    def add(self, capture: Capture) -> None:
        """Index one capture (kept sorted by date)."""
        url = normalise(capture.url)
        bucket = self.captures.setdefault(url, [])
        bucket.append(capture)
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.path not in POLICY_PATHS and (
            host not in self.host_first or capture.date < self.host_first[host]
        ):
            self.host_first[host] = capture.date
        if len(bucket) > 1 and bucket[-2].date > capture.date:
            bucket.sort(key=lambda c: c.date)


POLICY_PATHS = frozenset({"/robots.txt", "/ai.txt", "/.well-known/tdmrep.json"})


def archive_files(paths: Sequence[Path]) -> list[Path]:
    """The WARC and WACZ files named (a folder stands for the archive files inside it)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and _is_archive(p))
            if not inside:
                raise InputError(f"{path}: no WARC or WACZ file in this folder")
            found.extend(inside)
        elif path.is_file():
            if not _is_archive(path):
                raise InputError(f"{path}: not a WARC (.warc, .warc.gz) or WACZ (.wacz) file")
            found.append(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    return found


def _is_archive(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(WARC_SUFFIXES) or name.endswith(".wacz")


@contextmanager
def open_member(file: str) -> Iterator[IO[bytes]]:
    """A WARC file, or a WARC inside a WACZ (``package.wacz!archive/data.warc.gz``), opened."""
    if "!" in file and file.split("!", 1)[0].lower().endswith(".wacz"):
        package, member = file.split("!", 1)
        with zipfile.ZipFile(package) as zf, zf.open(member) as fh:
            yield fh
    else:
        with Path(file).open("rb") as fh:
            yield fh


def check_wacz(path: Path) -> None:
    """Refuse a WACZ whose files are not the ones its ``datapackage.json`` lists (WACZ 1.1.1):
    every listed resource must be in the package with its sha256 (and size), every WARC under
    ``archive/`` must be listed, and ``datapackage-digest.json``, when present, must hash
    ``datapackage.json``. A mismatch means the WARCs are not what the package's creator
    captured and packaged: an audit built on them would be evidence of nothing, so the
    command stops with one line naming the member (:class:`InputError`), before anything is
    read. Audit the WARCs themselves to accept them as they are."""
    import json

    from provenance.export.wacz_sign import member_digest as digest

    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if "datapackage.json" not in names:
                raise InputError(f"{path}: not a WACZ: no datapackage.json in the package")
            try:
                package = json.loads(zf.read("datapackage.json"))
                resources = list(package.get("resources") or [])
            except (ValueError, AttributeError, TypeError) as err:
                raise InputError(
                    f"{path}: datapackage.json is not a WACZ data package: {err}"
                ) from err
            if "datapackage-digest.json" in names:
                try:
                    claimed = json.loads(zf.read("datapackage-digest.json")).get("hash")
                except (ValueError, AttributeError) as err:
                    raise InputError(f"{path}: datapackage-digest.json unreadable: {err}") from err
                claimed = str(claimed or "").lower()
                algo = "md5" if claimed.startswith("md5:") else "sha256"
                actual, _ = digest(zf, "datapackage.json", algo)
                if claimed != actual:
                    raise InputError(
                        f"{path}: refused: datapackage.json does not match the hash in "
                        f"datapackage-digest.json ({claimed} != {actual})"
                    )
            listed: set[str] = set()
            for resource in resources:
                member = str(resource.get("path") or "")
                listed.add(member)
                if member not in names:
                    raise InputError(
                        f"{path}: refused: datapackage.json lists {member!r}, not in the package"
                    )
                claimed = str(resource.get("hash") or "").lower()
                if not claimed.startswith("sha256:"):
                    raise InputError(
                        f"{path}: refused: no sha256 for {member!r} in datapackage.json"
                    )
                actual, size = digest(zf, member)
                if claimed != actual:
                    raise InputError(
                        f"{path}: refused: {member} does not match its hash in datapackage.json "
                        "(the WARC is not what was packaged)"
                    )
                if resource.get("bytes") is not None and int(resource["bytes"]) != size:
                    raise InputError(
                        f"{path}: refused: {member} is {size} bytes, datapackage.json says "
                        f"{resource['bytes']}"
                    )
            unlisted = sorted(
                n
                for n in names - listed
                if n.startswith("archive/") and n.lower().endswith(WARC_SUFFIXES)
            )
            if unlisted:
                raise InputError(
                    f"{path}: refused: {unlisted[0]} is not listed in datapackage.json "
                    "(added after packaging)"
                )
    except (OSError, zipfile.BadZipFile) as err:
        raise InputError(f"{path}: not a readable WACZ (zip) file: {err}") from err


def _warcs_of(path: Path) -> list[str]:
    if not path.name.lower().endswith(".wacz"):
        return [str(path)]
    try:
        with zipfile.ZipFile(path) as zf:
            members = [
                n
                for n in zf.namelist()
                if n.startswith("archive/") and n.lower().endswith(WARC_SUFFIXES)
            ]
    except (OSError, zipfile.BadZipFile) as err:
        raise InputError(f"{path}: not a readable WACZ (zip) file: {err}") from err
    if not members:
        raise InputError(f"{path}: a WACZ with no WARC under archive/")
    return [f"{path}!{m}" for m in sorted(members)]


def build_index(
    paths: Sequence[Path], progress: Callable[[int], None] | None = None
) -> ArchiveIndex:
    """Index every record of the archive files (see the module docstring)."""
    index = ArchiveIndex()
    originals = _Originals()
    revisits: list[tuple[Capture, str | None]] = []
    for path in archive_files(paths):
        for file in _warcs_of(path):
            index.files.append(file)
            try:
                _index_file(file, index, originals, revisits, progress)
            except Exception as err:  # a file that cannot be opened or sought: named
                index.unreadable.append(f"{file}: {type(err).__name__}: {str(err)[:200]}")
    for first, record_id in originals.segmented:
        capture = originals.reassemble(first, record_id)
        originals.add(capture, record_id)
        index.add(capture)
    for visit, refers_to in revisits:
        index.add(originals.resolve(visit, refers_to))
    return index


@dataclass(slots=True)
class _Originals:
    """The response records a revisit may repeat: by record id and by payload digest."""

    by_id: dict[str, Capture] = field(default_factory=dict)
    by_digest: dict[str, Capture] = field(default_factory=dict)
    # segmented records: first segments (with their record id), continuations by origin id
    segmented: list[tuple[Capture, str]] = field(default_factory=list)
    continuations: dict[str, list[tuple[int, str, int, bool]]] = field(default_factory=dict)

    def reassemble(self, first: Capture, record_id: str) -> Capture:
        """A first segment with its continuation records (numbered 2..N, the last carrying
        ``WARC-Segment-Total-Length``), or, when one is missing, a capture without a payload."""
        parts = sorted(self.continuations.get(record_id.strip(), []))
        numbers = [n for n, _, _, _ in parts]
        if parts and numbers == list(range(2, len(parts) + 2)) and parts[-1][3]:
            return _with(first, segments=tuple((f, o) for _, f, o, _ in parts))
        return _with(first, truncated=f"segmented, continuation records missing (have {numbers})")

    def add(self, capture: Capture, record_id: str | None) -> None:
        if capture.truncated is not None:
            return  # a truncated record holds no whole payload to repeat
        if record_id:
            self.by_id[record_id.strip()] = capture
        key = digest_key(capture.payload_digest)
        if key:
            self.by_digest.setdefault(key, capture)

    def resolve(self, visit: Capture, refers_to: str | None) -> Capture:
        target = self.by_id.get((refers_to or "").strip()) or self.by_digest.get(
            digest_key(visit.payload_digest) or ""
        )
        if target is None:
            return _with(visit, payload_at=None)
        if visit.status in (None, 304) or not visit.headers:
            # no HTTP head of its own (or "not modified"): the original's status and headers
            return _with(
                visit,
                payload_at=target.payload_at,
                segments=target.segments,
                status=target.status,
                headers=target.headers,
            )
        return _with(visit, payload_at=target.payload_at, segments=target.segments)


def _with(capture: Capture, **changes: Any) -> Capture:
    from dataclasses import replace

    return replace(capture, **changes)


def _headers(http: Any) -> tuple[tuple[str, str], ...]:
    if http is None:
        return ()
    return tuple((str(k), str(v)) for k, v in http.headers)


def _member_size(file: str) -> int | None:
    """The size of a WARC file (or of a WARC inside a WACZ), to tell a file cut short."""
    try:
        if "!" in file and file.split("!", 1)[0].lower().endswith(".wacz"):
            package, member = file.split("!", 1)
            with zipfile.ZipFile(package) as zf:
                return zf.getinfo(member).file_size
        return Path(file).stat().st_size
    except (OSError, KeyError, zipfile.BadZipFile):
        return None


def _next_member(fh: IO[bytes], after: int, size: int | None) -> int | None:
    """The offset of the next gzip member after ``after`` that starts a WARC record, or None."""
    pos = after + 1
    window = 1 << 20
    while size is None or pos < size:
        fh.seek(pos)
        block = fh.read(window + 2)
        if len(block) < 3:
            return None
        found = block.find(b"\x1f\x8b\x08")
        while found >= 0 and found < window:
            fh.seek(pos + found)
            head = fh.read(4096)
            try:
                start = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
            except zlib.error:
                start = b""
            if start.startswith((b"WARC/", b"filedesc:")):
                return pos + found
            found = block.find(b"\x1f\x8b\x08", found + 1)
        pos += window
    return None


def _index_file(
    file: str,
    index: ArchiveIndex,
    originals: _Originals,
    revisits: list[tuple[Capture, str | None]],
    progress: Callable[[int], None] | None,
) -> None:
    """Index one file's records; damage is named in ``index.unreadable`` and reading resumes
    at the next intact gzip member (module docstring)."""
    size = _member_size(file)
    gzipped = file.lower().endswith(".gz")
    start = 0
    with open_member(file) as fh:
        while True:
            fh.seek(start)
            iterator = ArchiveIterator(fh, arc2warc=True)
            try:
                for record in iterator:
                    _index_record(file, record, iterator, index, originals, revisits, progress)
            except Exception as err:  # a damaged member: named, the rest still read
                problem = f"no readable record there ({type(err).__name__}: {str(err)[:200]})"
            else:
                if size is None or iterator.offset >= size:
                    return
                # warcio stops quietly at a gzip member that fails mid-way, or a cut file
                problem = f"{size - iterator.offset} bytes from there are no complete record"
            at = iterator.offset
            resume = _next_member(fh, at, size) if gzipped else None
            if resume is None:
                index.unreadable.append(f"{file}: unreadable from byte {at}: {problem}")
                return
            index.unreadable.append(
                f"{file}: unreadable from byte {at} to {resume}: {problem}; reading resumed at "
                "the next intact gzip member"
            )
            start = resume


def _index_record(
    file: str,
    record: Any,
    iterator: ArchiveIterator,
    index: ArchiveIndex,
    originals: _Originals,
    revisits: list[tuple[Capture, str | None]],
    progress: Callable[[int], None] | None,
) -> None:
    index.records += 1
    if progress is not None and index.records % 1000 == 0:
        progress(index.records)
    rtype = record.rec_type
    head = record.rec_headers
    if rtype == "continuation":
        origin = (head.get_header("WARC-Segment-Origin-ID") or "").strip()
        try:
            number = int(head.get_header("WARC-Segment-Number") or "0")
        except ValueError:
            number = 0
        last = head.get_header("WARC-Segment-Total-Length") is not None
        offset = iterator.get_record_offset()
        originals.continuations.setdefault(origin, []).append((number, file, offset, last))
        return
    url = head.get_header("WARC-Target-URI") or ""
    if not url:
        return
    if rtype == "metadata" or not is_web_url(url.strip().removeprefix("<")):
        index.archiver_records += 1
        return
    date = _parse_date(head.get_header("WARC-Date"))
    if rtype == "request":
        referer = record.http_headers.get_header("Referer") if record.http_headers else None
        if referer:
            refs = index.referrers.setdefault(normalise(url), [])
            if normalise(referer) not in refs:
                refs.append(normalise(referer))
        return
    if rtype not in ("response", "revisit", "resource"):
        return
    http = record.http_headers if rtype != "resource" else None
    status = None
    if http is not None:
        try:
            status = int(http.get_statuscode())
        except (TypeError, ValueError):
            status = None
    headers = _headers(http)
    if rtype == "resource":
        kind = head.get_header("Content-Type")
        headers = (("Content-Type", kind),) if kind else ()
        status = 200
    body = None
    if rtype == "response" and status == 200 and _html(headers):
        # read before asking the offset: warcio's get_record_offset() reads to the end
        decoded = decode_payload(
            headers, record.raw_stream.read(MAX_PAGE_BYTES + RAW_SLACK), MAX_PAGE_BYTES
        )
        body = decoded.data
    offset = iterator.get_record_offset()
    capture = Capture(
        url=url,
        file=file,
        offset=offset,
        date=date,
        record_type=rtype,
        status=status,
        headers=headers,
        ip=head.get_header("WARC-IP-Address"),
        payload_digest=head.get_header("WARC-Payload-Digest"),
        payload_at=(file, offset),
        truncated=head.get_header("WARC-Truncated"),
    )
    if rtype == "revisit":
        revisits.append((capture, head.get_header("WARC-Refers-To")))
        return
    if (head.get_header("WARC-Segment-Number") or "").strip() == "1":
        # the payload goes on in continuation records, perhaps in a later file
        originals.segmented.append((capture, head.get_header("WARC-Record-ID") or ""))
    else:
        originals.add(capture, head.get_header("WARC-Record-ID"))
        index.add(capture)
    if body is not None and len(body) <= MAX_PAGE_BYTES:
        _index_page(index, normalise(url), body)


def _html(headers: tuple[tuple[str, str], ...]) -> bool:
    kind = next((v for k, v in headers if k.lower() == "content-type"), "")
    return kind.split(";", 1)[0].strip().lower() in ("text/html", "application/xhtml+xml")


def _index_page(index: ArchiveIndex, url: str, body: bytes) -> None:
    try:
        selector = parse_html(body)
        base_href = selector.xpath("//base/@href").get()
        base = url
        if base_href and base_href.strip():
            base = join_url(url, base_href.strip()) or url
        candidates = extract_images(selector, base)
    except Exception:  # hostile HTML: the page stays indexed, its images unlisted
        return
    for candidate in candidates:
        image = normalise(candidate.url)
        shown = index.shown.setdefault(image, [])
        if any(s.page_url == url for s in shown):
            continue
        shown.append(
            Shown(
                image_url=image,
                page_url=url,
                alt=candidate.alt,
                title=candidate.title,
                attribute=candidate.attribute,
                largest=candidate.largest,
            )
        )


def read_payload(
    capture: Capture, max_bytes: int, *, partial: bool = False
) -> tuple[bytes | None, str | None]:
    """The capture's payload as a client would have read it (de-chunked, decoded:
    :mod:`provenance.archive.payload`), or None and why: not held (a revisit of nothing, a
    truncated record), over ``max_bytes``, undecodable, unreadable.

    ``partial``: a record cut at a length (``WARC-Truncated: length``, a 20 MB robots.txt
    downloaded up to a cut) or a stream that ends early still gives the bytes it holds, which
    is all a policy document needs (RFC 9309 reads its first 500 KiB), with a reason starting
    ``cut:`` beside them; an image's cut bytes never stand for it.
    """
    if capture.payload_at is None:
        return None, "payload not captured (revisit of a record the archive does not hold)"
    if capture.truncated and not (partial and capture.truncated == "length"):
        return None, f"payload not captured (WARC-Truncated: {capture.truncated})"
    file, offset = capture.payload_at
    cap = max_bytes + RAW_SLACK + 1
    try:
        with open_member(file) as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh, arc2warc=True)))
            raw = record.raw_stream.read(cap)
            headers = _headers(record.http_headers) if record.rec_type != "resource" else ()
        for part_file, part_offset in capture.segments:  # a segmented record's continuations
            file, offset = part_file, part_offset
            with open_member(part_file) as fh:
                fh.seek(part_offset)
                part = next(iter(ArchiveIterator(fh, arc2warc=True)))
                raw += part.raw_stream.read(max(0, cap - len(raw)))
    except Exception as err:  # a damaged record is a reason, never a crash
        return None, f"unreadable record {file}@{offset}: {type(err).__name__}: {err}"
    if len(raw) > max_bytes + RAW_SLACK:
        return None, f"too_large: over the {max_bytes}-byte cap"
    decoded = decode_payload(headers, raw, max_bytes)
    if decoded.data is None:
        return None, f"payload undecodable in {file}@{offset}: {decoded.error}"
    data = decoded.data
    if len(data) > max_bytes:
        return None, f"too_large: over the {max_bytes}-byte cap"
    if capture.truncated and not data:
        return None, f"payload not captured (WARC-Truncated: {capture.truncated})"
    if capture.truncated or decoded.cut:
        why = f"WARC-Truncated: {capture.truncated}" if capture.truncated else "stream ends early"
        if not partial:
            return None, f"payload not captured whole ({why})"
        return data, f"cut: {why}"
    return data, None
