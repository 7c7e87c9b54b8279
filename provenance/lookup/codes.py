"""Hex hashes to and from uint64 words.

A hash's hex string is read as one big-endian bit string (the first hex digit holds the most
significant bits), the convention of ``str(imagehash.phash(...))`` and of PDQ hex in Meta's
python-threatexchange and ``numpy.packbits`` of the PDQ bit vector. Hamming distance does not
depend on the bit order as long as stored and query hashes share it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

PDQ_HEX_CHARS = 64
PHASH_HEX_CHARS = 16


def hex_to_words(value: str, hex_chars: int) -> npt.NDArray[np.uint64]:
    """The hash as ``hex_chars / 16`` uint64 words, most significant first.

    Raises ``ValueError`` unless ``value`` is exactly ``hex_chars`` hex digits (either case).
    """
    if not isinstance(value, str) or len(value) != hex_chars:
        raise ValueError(f"expected {hex_chars} hex digits, got {value!r:.80}")
    try:
        raw = bytes.fromhex(value)
    except ValueError as err:
        raise ValueError(f"not hexadecimal: {value!r:.80}") from err
    if len(raw) * 2 != hex_chars:  # bytes.fromhex skips whitespace between byte pairs
        raise ValueError(f"not hexadecimal: {value!r:.80}")
    return np.frombuffer(raw, dtype=">u8").astype(np.uint64)


def words_to_hex(words: npt.ArrayLike) -> str:
    """Inverse of :func:`hex_to_words`: lowercase hex, 16 digits per word."""
    return np.asarray(words, dtype=np.uint64).astype(">u8").tobytes().hex()


def pdq_words(value: str) -> npt.NDArray[np.uint64]:
    """A 64-hex-digit PDQ hash as 4 uint64 words."""
    return hex_to_words(value, PDQ_HEX_CHARS)


def phash_word(value: str) -> np.uint64:
    """A 16-hex-digit imagehash (pHash or dHash) as one uint64."""
    return np.uint64(hex_to_words(value, PHASH_HEX_CHARS)[0])
