"""An index of someone else's web archive: WARC files and WACZ packages, read with warcio.

One pass over every record keeps, per URL, where each capture is (file, offset), when it was
made, its HTTP status and headers; HTML pages are parsed on the way for the images they show
(``src``, ``srcset``, ``<picture>``), and request records give the ``Referer`` each image was
fetched with. Payloads stay in the archive and are read back on demand. Revisit records
(``identical-payload-digest``) point at the capture whose payload they repeat.

Nothing here fetches: what the archive does not hold is simply absent from the index, and the
audit says ``not captured`` for it.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from warcio.archiveiterator import ArchiveIterator

from provenance.errors import InputError
from provenance.signals._html import join_url, parse_html
from provenance.signals.page import extract_images

WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
MAX_PAGE_BYTES = 8 * 1024 * 1024  # pages larger than this are indexed, not parsed for images
IMAGE_TYPES = ("image/",)


def normalise(url: str) -> str:
    """The form URLs are indexed under: no angle brackets (WARC/1.0), no fragment, host lower."""
    url = url.strip().removeprefix("<").removesuffix(">")
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc.lower()
    if parts.scheme == "http" and netloc.endswith(":80"):
        netloc = netloc[:-3]
    elif parts.scheme == "https" and netloc.endswith(":443"):
        netloc = netloc[:-4]
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


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
        return sorted(urls)

    def hosts(self) -> list[str]:
        """Every host with a capture."""
        return sorted({(urlsplit(u).hostname or "").lower() for u in self.captures} - {""})

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
    by_digest: dict[str, tuple[str, int]] = {}
    revisits: list[Capture] = []
    for path in archive_files(paths):
        for file in _warcs_of(path):
            index.files.append(file)
            try:
                _index_file(file, index, by_digest, revisits, progress)
            except Exception as err:  # a damaged file is named, the rest still indexed
                index.unreadable.append(f"{file}: {type(err).__name__}: {err}")
    for visit in revisits:
        target = by_digest.get(visit.payload_digest or "")
        index.add(
            Capture(
                url=visit.url,
                file=visit.file,
                offset=visit.offset,
                date=visit.date,
                record_type=visit.record_type,
                status=visit.status,
                headers=visit.headers,
                ip=visit.ip,
                payload_digest=visit.payload_digest,
                payload_at=target,
            )
        )
    return index


def _headers(http: Any) -> tuple[tuple[str, str], ...]:
    if http is None:
        return ()
    return tuple((str(k), str(v)) for k, v in http.headers)


def _index_file(
    file: str,
    index: ArchiveIndex,
    by_digest: dict[str, tuple[str, int]],
    revisits: list[Capture],
    progress: Callable[[int], None] | None,
) -> None:
    with open_member(file) as fh:
        iterator = ArchiveIterator(fh, arc2warc=True)
        for record in iterator:
            index.records += 1
            if progress is not None and index.records % 1000 == 0:
                progress(index.records)
            rtype = record.rec_type
            head = record.rec_headers
            url = head.get_header("WARC-Target-URI") or ""
            if not url:
                continue
            date = _parse_date(head.get_header("WARC-Date"))
            if rtype == "request":
                referer = record.http_headers.get_header("Referer") if record.http_headers else None
                if referer:
                    refs = index.referrers.setdefault(normalise(url), [])
                    if normalise(referer) not in refs:
                        refs.append(normalise(referer))
                continue
            if rtype not in ("response", "revisit", "resource"):
                continue
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
                body = record.content_stream().read(MAX_PAGE_BYTES + 1)
            offset = iterator.get_record_offset()
            digest = head.get_header("WARC-Payload-Digest")
            capture = Capture(
                url=url,
                file=file,
                offset=offset,
                date=date,
                record_type=rtype,
                status=status,
                headers=headers,
                ip=head.get_header("WARC-IP-Address"),
                payload_digest=digest,
                payload_at=(file, offset),
                truncated=head.get_header("WARC-Truncated"),
            )
            if rtype == "revisit":
                revisits.append(capture)
                continue
            if digest and capture.truncated is None:
                by_digest.setdefault(digest, (file, offset))
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
    """The capture's payload (decoded of any transfer/content encoding by warcio), or None and
    why: not held (revisit of nothing, truncated record), over ``max_bytes``, unreadable.

    ``partial``: a record cut at a length (``WARC-Truncated: length``, a 20 MB robots.txt
    downloaded up to a cut) still gives the bytes it holds, which is all a policy document
    needs (RFC 9309 reads its first 500 KiB); an image's cut bytes never stand for it.
    """
    if capture.payload_at is None:
        return None, "payload not captured (revisit of a record the archive does not hold)"
    if capture.truncated and not (partial and capture.truncated == "length"):
        return None, f"payload not captured (WARC-Truncated: {capture.truncated})"
    file, offset = capture.payload_at
    try:
        with open_member(file) as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh, arc2warc=True)))
            data = record.content_stream().read(max_bytes + 1)
    except Exception as err:  # a damaged record is a reason, never a crash
        return None, f"unreadable record {file}@{offset}: {type(err).__name__}: {err}"
    if len(data) > max_bytes:
        return None, f"too_large: over the {max_bytes}-byte cap"
    if capture.truncated and not data:
        return None, f"payload not captured (WARC-Truncated: {capture.truncated})"
    return data, None
