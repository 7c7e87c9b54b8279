"""Identify an image format from its leading bytes, independent of what the server claimed."""

from __future__ import annotations

_MIME = {
    "jpeg": ("image/jpeg", "image/jpg", "image/pjpeg"),
    "png": ("image/png", "image/apng", "image/x-png"),
    "gif": ("image/gif",),
    "webp": ("image/webp",),
    "tiff": ("image/tiff", "image/tif"),
    "bmp": ("image/bmp", "image/x-bmp", "image/x-ms-bmp"),
    "ico": ("image/x-icon", "image/vnd.microsoft.icon", "image/ico"),
    "avif": ("image/avif",),
    "heic": ("image/heic", "image/heif"),
    "jxl": ("image/jxl",),
    "svg": ("image/svg+xml",),
}


def sniff(data: bytes) -> str | None:
    """Return a short format name (``jpeg``, ``png``...) or ``None`` when the bytes match none."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:2] == b"BM":
        return "bmp"
    if head[:4] == b"\x00\x00\x01\x00":
        return "ico"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "heic"
    if head.startswith(b"\xff\x0a") or head.startswith(b"\x00\x00\x00\x0cJXL "):
        return "jxl"
    stripped = head.lstrip()
    if stripped.startswith(b"<svg") or (stripped.startswith(b"<?xml") and b"<svg" in data[:1024]):
        return "svg"
    return None


def mime_for(fmt: str | None) -> str | None:
    """The canonical MIME type of a sniffed format."""
    if fmt is None or fmt not in _MIME:
        return None
    return _MIME[fmt][0]


def content_type_mismatch(content_type: str | None, fmt: str | None) -> bool:
    """True when the server declared a type that the bytes contradict.

    No declaration, a generic ``application/octet-stream`` or unrecognised bytes are not a
    mismatch: there is nothing to contradict.
    """
    if not content_type or fmt is None:
        return False
    declared = content_type.split(";", 1)[0].strip().lower()
    if declared in ("", "application/octet-stream", "binary/octet-stream"):
        return False
    return declared not in _MIME.get(fmt, ())
