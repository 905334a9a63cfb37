"""What an uploaded photo really is, from its first bytes (not its name or declared type)."""

from __future__ import annotations

JPEG = "image/jpeg"
PNG = "image/png"

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
)
EXTENSIONS = {JPEG: "jpg", PNG: "png"}
HEADER_BYTES = 8


def sniff_image(head: bytes) -> str | None:
    """The MIME type of a JPEG or PNG file given its first bytes, or None for anything else."""
    for signature, mime in _SIGNATURES:
        if head.startswith(signature):
            return mime
    return None
