"""Real, tiny images for upload tests (apps.core.uploads opens images with Pillow), and a
decompression bomb: a small PNG whose header declares more pixels than any upload may have."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def image(fmt: str, width: int = 2, height: int = 2) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(buffer, fmt)
    return buffer.getvalue()


PNG = image("PNG")
JPEG = image("JPEG")
WEBP = image("WEBP")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(width: int = 20_000, height: int = 20_000) -> bytes:
    """A valid PNG declaring width × height RGB pixels: a few tens of KB of zlib that would
    decode to width × height × 3 bytes (1.2 GB for 20000 × 20000)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width * 3 + 1) * min(height, 700), 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")
