"""apps.core.uploads: typing uploads by magic bytes, size limits and the apps' messages (no database)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from apps.aid.services import PROOF_RULE
from apps.core import uploads
from apps.core.errors import ValidationFailed
from apps.permits.services import UPLOAD_RULES
from apps.reports.services import PHOTO_RULE
from tests import images

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
PDF = b"%PDF-1.7\n"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _bahasa() -> Any:
    with translation.override("id"):
        yield


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")  # the declared type is never trusted


def refusal(file: File[Any], rule: uploads.UploadRule) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        uploads.check_upload(file, rule)
    assert info.value.details == {"field": rule.field}
    return info.value


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (JPEG, uploads.JPEG),
        (b"\xff\xd8\xff", uploads.JPEG),
        (PNG, uploads.PNG),
        (WEBP, uploads.WEBP),
        (PDF, uploads.PDF),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF, but audio
        (b"WEBP", None),  # WEBP without RIFF
        (b"RIFF\x24\x00\x00\x00WEB", None),  # cut short
        (b"\x89PNG\r\n\x1a", None),  # cut short
        (b"GIF89a", None),
        (b"<svg/>", None),
        (b"PK\x03\x04", None),
        (b"", None),
    ],
)
def test_sniff_reads_magic_bytes(head: bytes, kind: uploads.FileKind | None) -> None:
    assert uploads.sniff(head) == kind


def test_sniff_only_among_the_kinds_asked_for() -> None:
    assert uploads.sniff(PDF, (uploads.JPEG, uploads.PNG)) is None
    assert uploads.sniff(WEBP, (uploads.JPEG, uploads.PNG, uploads.WEBP)) == uploads.WEBP
    assert uploads.sniff(JPEG, ()) is None


def test_wording_helpers() -> None:
    assert uploads.describe_size(2 * MB) == "2 MB"
    assert uploads.describe_size(5 * MB) == "5 MB"
    assert uploads.describe_size(512 * 1024) == "512 KB"
    assert uploads.describe_size(1000) == "1000 byte"
    assert uploads.type_names([uploads.JPEG]) == "JPEG"
    assert uploads.type_names([uploads.JPEG, uploads.PNG]) == "JPEG atau PNG"
    assert uploads.type_names([uploads.JPEG, uploads.PNG, uploads.WEBP]) == "JPEG, PNG atau WebP"
    assert uploads.type_list([uploads.JPEG, uploads.PNG, uploads.PDF]) == "JPEG/PNG/PDF"
    assert [k.extension for k in uploads.KINDS] == ["jpg", "png", "webp", "pdf"]


RULE = uploads.UploadRule(
    field="photo", allowed=(uploads.JPEG, uploads.PNG, uploads.WEBP), max_bytes=2 * MB, label="Foto"
)


def test_an_accepted_upload_comes_back_rewound() -> None:
    file = upload("x.bin", images.PNG + b"\x00" * 100)
    checked = uploads.check_upload(file, RULE)
    size = len(images.PNG) + 100
    assert (checked.kind, checked.size, checked.content, checked.file) == (uploads.PNG, size, None, file)
    assert file.read(4) == b"\x89PNG"  # at its start again
    kept = uploads.check_upload(upload("x", images.WEBP), RULE, keep_content=True)
    assert kept.kind == uploads.WEBP and kept.content == images.WEBP


def test_the_limit_is_inclusive() -> None:
    exactly = images.JPEG + b"\x00" * (2 * MB - len(images.JPEG))
    assert uploads.check_upload(upload("ok.jpg", exactly), RULE, keep_content=True).content == exactly
    error = refusal(upload("big.jpg", exactly + b"\x00"), RULE)
    assert (error.code, error.message) == ("file_too_large", "Foto maksimal 2 MB.")


def test_decompression_bombs_are_refused_by_pixel_count(settings: Any) -> None:
    bomb = images.png_bomb(20_000, 20_000)  # 400 megapixels in ~40 KB
    error = refusal(upload("bom.png", bomb), RULE)
    assert (error.code, error.message) == ("image_too_large", "Foto terlalu besar: paling banyak 40 megapiksel.")
    settings.KOTAKITA_MAX_IMAGE_PIXELS = 4  # the limit is the setting: 2 × 2 passes, 3 × 2 does not
    assert uploads.check_upload(upload("a.png", images.image("PNG", 2, 2)), RULE).kind == uploads.PNG
    assert refusal(upload("b.jpg", images.image("JPEG", 3, 2)), RULE).code == "image_too_large"
    settings.KOTAKITA_MAX_IMAGE_PIXELS = 10**12  # past Pillow's own bomb limit: still refused
    assert refusal(upload("bom.png", bomb), RULE).code == "image_too_large"


@pytest.mark.parametrize(
    "content",
    [
        PNG + b"\x00" * 64,  # right magic bytes, nothing behind them
        JPEG + b"\x00" * 64,
        WEBP + b"\x00" * 64,
        images.PNG[:40],  # cut short
        images.PNG[:-20] + b"\x00" * 20,  # broken checksum / IEND
    ],
)
def test_images_pillow_cannot_parse_are_refused(content: bytes) -> None:
    error = refusal(upload("x.png", content), RULE)
    assert error.code == "image_unreadable"
    assert error.message == "Foto rusak atau bukan gambar JPEG, PNG atau WebP yang bisa dibaca."


def test_pdfs_are_not_opened_as_images() -> None:
    assert uploads.check_upload(upload("k.pdf", PDF), UPLOAD_RULES["ktp_scan"]).kind == uploads.PDF


class LyingSize(File[bytes]):
    """A file that claims to be smaller than it is."""

    @property
    def size(self) -> int:
        return 10


def test_the_bytes_are_counted_not_the_declared_size() -> None:
    error = refusal(LyingSize(io.BytesIO(JPEG + b"\x00" * (2 * MB)), name="x.jpg"), RULE)
    assert error.code == "file_too_large"


def test_text_mode_files_are_read_as_bytes() -> None:
    assert uploads.check_upload(File(io.StringIO("%PDF-1.4\n"), name="a.pdf"), UPLOAD_RULES["ktp_scan"]).kind == (
        uploads.PDF
    )


def test_default_codes_and_messages() -> None:
    assert (refusal(upload("a.gif", b"GIF89a"), RULE).code, str(refusal(upload("a.gif", b"GIF89a"), RULE))) == (
        "file_type",
        "Foto harus berupa JPEG, PNG atau WebP.",
    )
    empty = refusal(upload("a.jpg", b""), RULE)  # no `empty` message: refused as the wrong type
    assert empty.code == "file_type"
    with_empty = uploads.UploadRule(
        field="f", allowed=(uploads.PDF,), max_bytes=MB, label="Berkas", empty="%(label)s kosong."
    )
    assert (refusal(upload("a.pdf", b""), with_empty).code, str(refusal(upload("a.pdf", b""), with_empty))) == (
        "file_empty",
        "Berkas kosong.",
    )


# The exact texts and codes each app answered with before the merge.


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (JPEG + b"\x00" * (2 * MB), "proof_too_large", "Foto bukti maksimal 2 MB."),
        (b"GIF89a not allowed", "proof_not_image", "Foto bukti harus berupa JPEG, PNG atau WebP."),
        (PDF, "proof_not_image", "Foto bukti harus berupa JPEG, PNG atau WebP."),
        (b"", "proof_not_image", "Foto bukti harus berupa JPEG, PNG atau WebP."),
    ],
)
def test_aid_proof_photo(content: bytes, code: str, message: str) -> None:
    error = refusal(upload("bukti.jpg", content), PROOF_RULE)
    assert (error.code, str(error), error.details) == (code, message, {"field": "proof"})


def test_aid_proof_kinds() -> None:
    for content, extension in ((images.JPEG, "jpg"), (images.PNG, "png"), (images.WEBP, "webp")):
        assert uploads.check_upload(upload("b", content), PROOF_RULE).kind.extension == extension


@pytest.mark.parametrize(
    ("field", "content", "code", "message"),
    [
        (
            "ktp_scan",
            JPEG + b"\x00" * (3 * MB),
            "file_too_large",
            "Scan KTP terlalu besar (3.0 MB); paling besar 2 MB.",
        ),
        ("ktp_scan", b"", "file_empty", "Scan KTP kosong."),
        (
            "ktp_scan",
            b"GIF89a",
            "file_type",
            "Scan KTP harus berkas JPEG/PNG/PDF (isi berkas diperiksa, bukan namanya).",
        ),
        ("ktp_scan", WEBP, "file_type", "Scan KTP harus berkas JPEG/PNG/PDF (isi berkas diperiksa, bukan namanya)."),
        (
            "premises_photo",
            PDF,
            "file_type",
            "Foto tempat usaha harus berkas JPEG/PNG (isi berkas diperiksa, bukan namanya).",
        ),
    ],
)
def test_permits_uploads(field: str, content: bytes, code: str, message: str) -> None:
    error = refusal(upload("berkas.jpg", content), UPLOAD_RULES[field])
    assert (error.code, str(error), error.details) == (code, message, {"field": field})


def test_permits_kinds() -> None:
    assert uploads.check_upload(upload("k", PDF), UPLOAD_RULES["ktp_scan"]).kind == uploads.PDF
    assert uploads.check_upload(upload("k", images.PNG), UPLOAD_RULES["premises_photo"]).kind == uploads.PNG


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (JPEG + b"\x00" * (5 * MB), "photo_too_large", "Foto “jalan berlubang.jpg” lebih dari 5 MB."),
        (b"GIF89a", "photo_type", "Foto “jalan berlubang.jpg” bukan JPEG atau PNG."),
        (WEBP, "photo_type", "Foto “jalan berlubang.jpg” bukan JPEG atau PNG."),
        (b"", "photo_type", "Foto “jalan berlubang.jpg” bukan JPEG atau PNG."),
    ],
)
def test_reports_photos(content: bytes, code: str, message: str) -> None:
    error = refusal(upload("jalan berlubang.jpg", content), PHOTO_RULE)
    assert (error.code, str(error), error.details) == (code, message, {"field": "photos"})


def test_reports_file_names_are_cut_at_80_characters() -> None:
    error = refusal(upload("a" * 100 + ".gif", b"GIF89a"), PHOTO_RULE)
    assert str(error) == f"Foto “{'a' * 80}” bukan JPEG atau PNG."
