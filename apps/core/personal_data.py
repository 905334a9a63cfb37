"""Personal data at rest (NIK, No. KK): keyed digests for lookups and Fernet encryption.

Each app describes its own key with a `PersonalDataKey`: the Django setting holding a long
random secret of its own (kept apart from SECRET_KEY, so rotating SECRET_KEY does not make
stored digests unmatchable or ciphertexts unreadable; SECRET_KEY is the fallback when the
setting is empty), a namespace that keeps apps and uses apart, and how sub-keys are derived:

- `HKDF` (permits): HKDF-SHA256(master, salt=namespace, info=purpose) gives one 32-byte key per
  purpose; the digest is HMAC-SHA256(key, value).
- `SALTED_HMAC` (aid): Django's `salted_hmac(f"{namespace}.{purpose}", value, secret=master,
  algorithm="sha256")`.

Both schemes are kept because stored digests must keep matching: changing either (or the
setting, namespace or purpose) makes every stored digest unmatchable. Encryption always uses an
HKDF sub-key (info=b"encrypt"). Values and ciphertexts never appear in exception messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.crypto import salted_hmac


class Derivation(Enum):
    HKDF = "hkdf"
    SALTED_HMAC = "salted_hmac"


@cache
def _hkdf(master: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(master)


@dataclass(frozen=True)
class PersonalDataKey:
    setting: str  # name of the Django setting with the master secret; SECRET_KEY when empty
    namespace: str  # e.g. "kotakita.permits.nik"
    derivation: Derivation = Derivation.HKDF

    def master(self) -> str:
        return str(getattr(settings, self.setting, "") or "") or str(settings.SECRET_KEY)

    def digest(self, value: str, purpose: str = "lookup") -> str:
        """Hex HMAC-SHA256 of `value`, for matching without keeping the value itself."""
        if self.derivation is Derivation.SALTED_HMAC:
            return salted_hmac(
                f"{self.namespace}.{purpose}", value, secret=self.master(), algorithm="sha256"
            ).hexdigest()
        key = _hkdf(self.master().encode(), self.namespace.encode(), purpose.encode())
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def _fernet(self) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(_hkdf(self.master().encode(), self.namespace.encode(), b"encrypt")))

    def encrypt(self, value: str) -> str:
        return self._fernet().encrypt(value.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet().decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:  # wrong key or damaged: never echo the ciphertext
            raise ValueError("Personal data cannot be decrypted with the configured key") from exc
