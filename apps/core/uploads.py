"""Uploaded files are typed by their content (magic bytes), never by their name or the
Content-Type the client sent, and are refused above a size limit.

An app describes each upload field once with an `UploadRule` (allowed kinds, limit, its
Bahasa Indonesia messages and error codes) and calls `check_upload`, which raises
`ValidationFailed`. Message templates may use:

- `%(label)s`: the rule's label ("Foto bukti"), `%(name)s`: the uploaded file's name (80 chars),
- `%(limit)s`: the limit ("2 MB"), `%(mb).1f`: the file's size in MB,
- `%(types)s`: the allowed kinds as a sentence ("JPEG, PNG atau WebP"),
  `%(type_list)s`: the same with slashes ("JPEG/PNG/PDF"),
- `%(megapixels)s`: the pixel limit of images in megapixels ("40").

Images (JPEG, PNG, WebP) are then opened with Pillow, which reads only their header: one that
Pillow cannot parse is refused as unreadable, and one declaring more than
`KOTAKITA_MAX_IMAGE_PIXELS` pixels (a decompression bomb: a few KB that decode to gigabytes)
is refused before any pixel is decoded.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from struct import error as struct_error
from typing import Any

from django.conf import settings
from django.core.files import File
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from apps.core.errors import ValidationFailed

MB = 1024 * 1024
HEAD_BYTES = 16  # enough for every signature below (WebP needs 12)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileKind:
    name: str
    content_type: str
    extension: str  # what we name stored files with, never the uploader's
    label: str  # how messages name it


JPEG = FileKind("jpeg", "image/jpeg", "jpg", "JPEG")
PNG = FileKind("png", "image/png", "png", "PNG")
WEBP = FileKind("webp", "image/webp", "webp", "WebP")
PDF = FileKind("pdf", "application/pdf", "pdf", "PDF")
KINDS = (JPEG, PNG, WEBP, PDF)
IMAGES = (JPEG, PNG, WEBP)
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP"}
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000

# (kind, ((offset, bytes), ...)): every part must match.
_SIGNATURES: tuple[tuple[FileKind, tuple[tuple[int, bytes], ...]], ...] = (
    (JPEG, ((0, b"\xff\xd8\xff"),)),
    (PNG, ((0, b"\x89PNG\r\n\x1a\n"),)),
    (WEBP, ((0, b"RIFF"), (8, b"WEBP"))),  # RIFF <size> WEBP
    (PDF, ((0, b"%PDF-"),)),
)


def sniff(head: bytes, among: Iterable[FileKind] = KINDS) -> FileKind | None:
    """The kind (one of `among`) that a file's first bytes say it is, or None."""
    wanted = set(among)
    for kind, parts in _SIGNATURES:
        if kind in wanted and all(head[offset : offset + len(part)] == part for offset, part in parts):
            return kind
    return None


def describe_size(limit: int) -> str:
    """`2097152` → `2 MB`."""
    if limit % MB == 0:
        return f"{limit // MB} MB"
    if limit % 1024 == 0:
        return f"{limit // 1024} KB"
    return f"{limit} byte"


def type_names(kinds: Iterable[FileKind]) -> str:
    """`JPEG, PNG atau WebP`."""
    labels = [kind.label for kind in kinds]
    if len(labels) <= 1:
        return "".join(labels)
    return gettext("%(first)s atau %(last)s") % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def type_list(kinds: Iterable[FileKind]) -> str:
    """`JPEG/PNG/PDF`."""
    return "/".join(kind.label for kind in kinds)


TOO_LARGE = _("%(label)s maksimal %(limit)s.")
WRONG_TYPE = _("%(label)s harus berupa %(types)s.")
TOO_MANY_PIXELS = _("%(label)s terlalu besar: paling banyak %(megapixels)s megapiksel.")
UNREADABLE = _("%(label)s rusak atau bukan gambar %(types)s yang bisa dibaca.")


def max_image_pixels() -> int:
    return int(getattr(settings, "KOTAKITA_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS))


@dataclass(frozen=True)
class UploadRule:
    """What one upload field accepts, and how its refusals read (see the module docstring)."""

    field: str
    allowed: tuple[FileKind, ...]
    max_bytes: int
    label: str | Promise = ""
    too_large: str | Promise = TOO_LARGE
    wrong_type: str | Promise = WRONG_TYPE
    empty: str | Promise | None = None  # None: an empty file is refused as the wrong type
    too_large_code: str = "file_too_large"
    wrong_type_code: str = "file_type"
    empty_code: str = "file_empty"
    too_many_pixels: str | Promise = TOO_MANY_PIXELS
    unreadable: str | Promise = UNREADABLE
    too_many_pixels_code: str = "image_too_large"
    unreadable_code: str = "image_unreadable"


@dataclass(frozen=True)
class CheckedUpload:
    file: File[Any]  # positioned at its start
    kind: FileKind
    size: int
    content: bytes | None = None  # the bytes, when asked for with keep_content=True


def check_upload(upload: File[Any], rule: UploadRule, *, keep_content: bool = False) -> CheckedUpload:
    """Size (declared, then actually read: at most `rule.max_bytes + 1` bytes are read), empty,
    then type by magic bytes among `rule.allowed`. Raises ValidationFailed with the rule's
    message and code, `field=rule.field`."""
    params: dict[str, Any] = {
        "label": rule.label,
        "name": (upload.name or "")[:80],
        "limit": describe_size(rule.max_bytes),
        "types": type_names(rule.allowed),
        "type_list": type_list(rule.allowed),
        "megapixels": f"{max_image_pixels() / 1_000_000:g}",
    }

    def refuse(template: str | Promise, code: str, size: int) -> ValidationFailed:
        return ValidationFailed(str(template) % {**params, "mb": size / MB}, code=code, field=rule.field)

    declared = upload.size or 0
    if declared > rule.max_bytes:
        raise refuse(rule.too_large, rule.too_large_code, declared)
    chunks: list[bytes] = []
    size = 0
    upload.seek(0)
    while size <= rule.max_bytes:
        chunk = upload.read(min(_CHUNK, rule.max_bytes + 1 - size))
        if not chunk:
            break
        data = chunk if isinstance(chunk, bytes) else str(chunk).encode()
        if keep_content or size < HEAD_BYTES:
            chunks.append(data)
        size += len(data)
    upload.seek(0)
    if size > rule.max_bytes:  # the declared size was wrong
        raise refuse(rule.too_large, rule.too_large_code, size)
    if size == 0:
        if rule.empty is not None:
            raise refuse(rule.empty, rule.empty_code, size)
        raise refuse(rule.wrong_type, rule.wrong_type_code, size)
    content = b"".join(chunks)
    kind = sniff(content[:HEAD_BYTES], rule.allowed)
    if kind is None:
        raise refuse(rule.wrong_type, rule.wrong_type_code, size)
    if kind in IMAGES:
        problem = image_problem(upload, kind)
        if problem == "pixels":
            raise refuse(rule.too_many_pixels, rule.too_many_pixels_code, size)
        if problem == "unreadable":
            raise refuse(rule.unreadable, rule.unreadable_code, size)
    return CheckedUpload(upload, kind, size, content if keep_content else None)


def image_problem(upload: File[Any], kind: FileKind) -> str | None:
    """Says "pixels" when the image declares more than `KOTAKITA_MAX_IMAGE_PIXELS` pixels,
    "unreadable" when Pillow cannot parse it as `kind`, else None. Pillow's `open` reads the
    header only; `verify` walks the chunks (checksums) without decoding pixels. The file is
    left at its start."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Our own limit decides below; Pillow's warning between its limits is noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload, formats=[PILLOW_FORMATS[kind]]) as image:
                width, height = image.size
                if width <= 0 or height <= 0:
                    return "unreadable"
                if width * height > max_image_pixels():
                    return "pixels"
                image.verify()
    except Image.DecompressionBombError:
        return "pixels"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct_error):
        return "unreadable"
    finally:
        upload.seek(0)
    return None
