"""What one audit reads: manifests, img2dataset output folders or web archives, and how.

The CLI builds an :class:`AuditPlan` from its arguments and hands it to the engine with the
run's configuration; the audit spider reads the datasets it names, chunk by chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from provenance.archive.index import archive_files, check_wacz
from provenance.dataset.img2dataset import is_output_folder, read_output_folder
from provenance.dataset.manifest import FORMATS, Columns, manifest_files, read_manifest
from provenance.errors import InputError


@dataclass(slots=True)
class AuditPlan:
    """The datasets of one audit run and the options that say how to read them.

    ``manifests`` are URL lists (img2dataset inputs), ``outputs`` img2dataset output folders
    (their rows' local files are analysed and compared with what the URLs serve now),
    ``archives`` WARC/WACZ files or folders. ``fetch_missing`` lets an archive audit read
    today's web for what the archive does not hold (marked as today's); ``keep_bytes`` keeps
    image payloads in the audit's WARC (by default only every exchange's headers).
    """

    manifests: list[Path] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    archives: list[Path] = field(default_factory=list)
    columns: Columns = field(default_factory=Columns)
    input_format: str | None = None
    fetch_missing: bool = False
    keep_bytes: bool = False
    chunk_rows: int = 1000

    @classmethod
    def from_paths(
        cls,
        paths: list[Path],
        *,
        columns: Columns,
        input_format: str | None = None,
        archives: list[Path] | None = None,
        fetch_missing: bool = False,
        keep_bytes: bool = False,
    ) -> AuditPlan:
        """Sort the named paths into manifests and img2dataset output folders (checked)."""
        if input_format is not None and input_format not in FORMATS:
            raise InputError(
                f"unknown --input-format {input_format!r}; choose one of {', '.join(FORMATS)}"
            )
        plan = cls(
            columns=columns,
            input_format=input_format,
            archives=list(archives or []),
            fetch_missing=fetch_missing,
            keep_bytes=keep_bytes,
        )
        for path in paths:
            if is_output_folder(path):
                plan.outputs.append(path)
            else:
                plan.manifests.extend(manifest_files(path, input_format))
        plan.check()
        if not (plan.manifests or plan.outputs or plan.archives):
            raise InputError(
                "nothing to audit: name a manifest, an img2dataset folder or --archive"
            )
        if fetch_missing and not plan.archives:
            raise InputError("--fetch-missing applies to --archive audits only")
        return plan

    def check(self) -> None:
        """Read the first row of every dataset: a wrong column name or format is refused
        before anything is fetched (:class:`InputError`, naming the file)."""
        for path in self.manifests:
            for _ in read_manifest(path, self.columns, fmt=self.input_format, chunk_rows=1):
                break
        for folder in self.outputs:
            for _ in read_output_folder(
                folder,
                url_col=self.columns.url,
                caption_col=self.columns.caption or "caption",
                page_col=self.columns.page,
                chunk_rows=1,
            ):
                break
        for archive in self.archives:
            for path in archive_files([archive]):
                if path.name.lower().endswith(".wacz"):
                    check_wacz(path)  # a package whose files are not its own is refused

    def describe(self) -> dict[str, Any]:
        """JSON-ready summary stored in the run's settings (what was audited, how)."""
        return {
            "manifests": [str(p) for p in self.manifests],
            "img2dataset_outputs": [str(p) for p in self.outputs],
            "archives": [str(p) for p in self.archives],
            "columns": {
                "url": self.columns.url,
                "caption": self.columns.caption,
                "key": self.columns.key,
                "page": self.columns.page,
            },
            "input_format": self.input_format,
            "fetch_missing": self.fetch_missing,
            "keep_bytes": self.keep_bytes,
        }
