"""An img2dataset *output* folder: the shards' parquet tables and the image files beside them.

img2dataset writes, per shard ``NNNNN``, a table ``NNNNN.parquet`` with one row per input row
(``key``, ``url``, ``caption``, any saved extra columns, ``status`` ``success`` /
``failed_to_download`` / ``failed_to_resize``, ``error_message``, sizes and, by default, the
``sha256`` of the bytes it downloaded, before resizing), and the images either as files
(``NNNNN/KEY.jpg`` with ``KEY.json`` and ``KEY.txt``: output format ``files``) or inside a tar
(``NNNNN.tar``: output format ``webdataset``). This module reads both layouts in chunks and
hands out each row's local copy; what the copy is compared with is
:mod:`provenance.dataset.compare`.
"""

from __future__ import annotations

import re
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provenance.dataset.manifest import CHUNK_ROWS, ManifestRow
from provenance.errors import InputError

_SHARD = re.compile(r"^\d+\.parquet$")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".bmp", ".tif", ".tiff")
FIELDS = (
    "status",
    "error_message",
    "sha256",
    "width",
    "height",
    "original_width",
    "original_height",
)


@dataclass(frozen=True, slots=True)
class LocalCopy:
    """What the output folder holds for one row: img2dataset's outcome and, if any, the file.

    ``sha256`` is img2dataset's hash of the bytes it downloaded (``compute_hash``, before any
    resizing); ``path`` is the image file, or ``TAR#MEMBER`` inside a webdataset shard.
    """

    shard: str
    status: str | None
    error_message: str | None = None
    sha256: str | None = None
    width: int | None = None
    height: int | None = None
    original_width: int | None = None
    original_height: int | None = None
    path: str | None = None

    def facts(self) -> dict[str, Any]:
        """JSON-ready form, as the dataset entry stores it."""
        return {
            "shard": self.shard,
            "img2dataset_status": self.status,
            "img2dataset_error": self.error_message,
            "img2dataset_sha256": self.sha256,
            "width": self.width,
            "height": self.height,
            "original_width": self.original_width,
            "original_height": self.original_height,
            "path": self.path,
        }


@dataclass(frozen=True, slots=True)
class OutputRow:
    """One row of an img2dataset output folder: the manifest row and its local copy."""

    row: ManifestRow
    local: LocalCopy


def is_output_folder(path: Path) -> bool:
    """Whether ``path`` looks like an img2dataset output folder (numbered parquet shards with
    their image folder or tar)."""
    if not path.is_dir():
        return False
    for shard in path.glob("*.parquet"):
        if _SHARD.match(shard.name) and (
            shard.with_suffix("").is_dir() or shard.with_suffix(".tar").is_file()
        ):
            return True
    return False


def shards(path: Path) -> list[Path]:
    """The shard tables of an output folder, in shard order."""
    found = sorted(p for p in path.glob("*.parquet") if _SHARD.match(p.name))
    if not found:
        raise InputError(f"{path}: no img2dataset shard (NNNNN.parquet) in this folder")
    return found


class _Shard:
    """Where one shard's images are: a folder listed once, or a tar indexed once."""

    def __init__(self, table: Path) -> None:
        self.table = table
        self.folder = table.with_suffix("")
        self.tar = table.with_suffix(".tar")
        self._files: dict[str, str] | None = None

    def locate(self, key: str) -> str | None:
        if self._files is None:
            self._files = self._index()
        return self._files.get(key)

    def _index(self) -> dict[str, str]:
        files: dict[str, str] = {}
        if self.folder.is_dir():
            for entry in self.folder.iterdir():
                if entry.suffix.lower() in IMAGE_SUFFIXES:
                    files.setdefault(entry.stem, str(entry))
        elif self.tar.is_file():
            try:
                with tarfile.open(self.tar) as tar:
                    for member in tar:
                        name = Path(member.name)
                        if member.isfile() and name.suffix.lower() in IMAGE_SUFFIXES:
                            files.setdefault(name.stem, f"{self.tar}#{member.name}")
            except (OSError, tarfile.TarError) as err:
                raise InputError(f"{self.tar}: not a readable tar: {err}") from err
        return files


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def read_output_folder(
    path: Path,
    *,
    url_col: str = "url",
    caption_col: str | None = "caption",
    page_col: str | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[list[OutputRow]]:
    """Every row of every shard, in chunks, each with its local copy (file or tar member)."""
    import pyarrow.parquet as pq

    for table in shards(path):
        shard = _Shard(table)
        try:
            file = pq.ParquetFile(str(table))
        except Exception as err:  # pyarrow raises its own error types for a broken file
            raise InputError(f"{table}: not a readable parquet shard: {err}") from err
        names = file.schema_arrow.names
        wanted = [url_col, "key"]
        missing = [c for c in wanted if c not in names]
        if page_col and page_col not in names:
            missing.append(page_col)
        if missing:
            raise InputError(
                f"{table}: no column {', '.join(repr(m) for m in missing)}: not an img2dataset "
                "shard (or name the columns with --url-col / --page-col)"
            )
        columns = [
            c for c in dict.fromkeys([*wanted, caption_col, page_col, *FIELDS]) if c and c in names
        ]
        index = 0
        for batch in file.iter_batches(batch_size=chunk_rows, columns=columns):
            data = {c: batch.column(c).to_pylist() for c in columns}
            out: list[OutputRow] = []
            for i in range(batch.num_rows):
                value = {c: data[c][i] for c in columns}
                key = str(value["key"]) if value.get("key") is not None else None
                status = value.get("status")
                out.append(
                    OutputRow(
                        row=ManifestRow(
                            source=str(table),
                            row=index,
                            url=str(value.get(url_col) or "").strip(),
                            key=key,
                            caption=_str(value.get(caption_col)) if caption_col else None,
                            page_url=_str(value.get(page_col)) if page_col else None,
                        ),
                        local=LocalCopy(
                            shard=table.stem,
                            status=_str(status),
                            error_message=_str(value.get("error_message")),
                            sha256=_str(value.get("sha256")),
                            width=_int(value.get("width")),
                            height=_int(value.get("height")),
                            original_width=_int(value.get("original_width")),
                            original_height=_int(value.get("original_height")),
                            path=shard.locate(key) if key and status == "success" else None,
                        ),
                    )
                )
                index += 1
            yield out


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def read_local_bytes(path: str, max_bytes: int) -> tuple[bytes | None, str | None]:
    """The local copy's bytes (file or ``TAR#MEMBER``), or None and why they cannot be read.

    Capped like a download: a file over ``max_bytes`` is refused, not read.
    """
    try:
        if "#" in path and path.split("#", 1)[0].endswith(".tar"):
            tar_path, member = path.split("#", 1)
            with tarfile.open(tar_path) as tar:
                info = tar.getmember(member)
                if info.size > max_bytes:
                    return None, f"too_large: {info.size} bytes is over the {max_bytes}-byte cap"
                handle = tar.extractfile(info)
                if handle is None:
                    return None, "unreadable: not a regular file in the tar"
                return handle.read(), None
        file = Path(path)
        size = file.stat().st_size
        if size > max_bytes:
            return None, f"too_large: {size} bytes is over the {max_bytes}-byte cap"
        return file.read_bytes(), None
    except (OSError, KeyError, tarfile.TarError) as err:
        return None, f"unreadable: {err}"
