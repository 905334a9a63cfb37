"""Upload checks by content, not by name or browser-declared type. No Django import."""

from __future__ import annotations

from dataclasses import dataclass

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # 2 MB


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extension: str


JPEG = FileKind("jpeg", "image/jpeg", "jpg")
PNG = FileKind("png", "image/png", "png")
PDF = FileKind("pdf", "application/pdf", "pdf")

_SIGNATURES: tuple[tuple[bytes, FileKind], ...] = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"%PDF-", PDF),
)
HEAD_BYTES = 16


def sniff(head: bytes) -> FileKind | None:
    """The kind of file its first bytes (magic numbers) say it is, or None."""
    for signature, kind in _SIGNATURES:
        if head.startswith(signature):
            return kind
    return None
