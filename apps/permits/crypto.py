"""NIK at rest: a keyed HMAC-SHA256 digest for lookups and Fernet encryption for the value.

Keys come from `settings.PERMITS_NIK_KEY` (a long random secret, kept apart from SECRET_KEY so
rotating SECRET_KEY does not make stored NIKs unreadable); without it they are derived from
SECRET_KEY. Two independent keys are derived with HKDF, one per purpose.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _master_key() -> bytes:
    configured = str(getattr(settings, "PERMITS_NIK_KEY", "") or "")
    return (configured or str(settings.SECRET_KEY)).encode()


@cache
def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kotakita.permits.nik", info=purpose).derive(master)


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(_master_key(), b"encrypt")))


def nik_digest(nik: str) -> str:
    return hmac.new(_derive(_master_key(), b"lookup"), nik.encode(), hashlib.sha256).hexdigest()


def encrypt_nik(nik: str) -> str:
    return _fernet().encrypt(nik.encode()).decode()


def decrypt_nik(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:  # wrong key: never echo the ciphertext
        raise ValueError("NIK cannot be decrypted with the configured key") from exc
