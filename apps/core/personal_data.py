"""Personal data at rest (NIK, No. KK): keyed digests for lookups and Fernet encryption.

Each app describes its own key with a `PersonalDataKey`: the Django setting(s) holding long
random secrets of its own, kept apart from SECRET_KEY so rotating SECRET_KEY never makes stored
digests unmatchable or ciphertexts unreadable; a namespace that keeps apps and uses apart; and
how sub-keys are derived:

- `HKDF` (permits): HKDF-SHA256(master, salt=namespace, info=purpose) gives one 32-byte key per
  purpose; the digest is HMAC-SHA256(key, value).
- `SALTED_HMAC` (aid): Django's `salted_hmac(f"{namespace}.{purpose}", value, secret=master,
  algorithm="sha256")`.

Both schemes are kept because stored digests must keep matching: changing either (or the
setting, namespace or purpose) makes every stored digest unmatchable. Encryption always uses an
HKDF sub-key (info=b"encrypt"). Values and ciphertexts never appear in exception messages.

Rotation: `list_setting` (e.g. PERMITS_NIK_KEYS) holds several masters, newest first. New
ciphertexts and digests use the first; every master still decrypts (`MultiFernet`) and
`digests()` gives one digest per master so lookups keep matching until
`manage.py reencrypt_personal_data` has rewritten the stored rows with the first key. The older
single-key `setting` (e.g. PERMITS_NIK_KEY) is still read when the list is empty.

No key configured: only where settings allow DEV keys (`PERSONAL_DATA_DEV_KEYS`, set in the
local and test settings, never in production) is SECRET_KEY used as a DEV-ONLY master, so a
laptop works with no set-up; elsewhere it is a configuration error, never a silent fallback.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from enum import Enum
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

from config.secrets_policy import as_list


class Derivation(Enum):
    HKDF = "hkdf"
    SALTED_HMAC = "salted_hmac"


@cache
def _hkdf(master: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(master)


def dev_keys_allowed() -> bool:
    return bool(getattr(settings, "PERSONAL_DATA_DEV_KEYS", False))


def dev_master() -> str:
    """DEV ONLY: the master used when no key is configured (local and test settings)."""
    return str(settings.SECRET_KEY)


def secret_setting(name: str) -> str:
    """The value of a secret setting that has no rotation list (e.g. ANALYTICS_ENTITY_KEY)."""
    value = str(getattr(settings, name, "") or "")
    if value:
        return value
    if dev_keys_allowed():
        return dev_master()
    raise ImproperlyConfigured(f"Set {name}: a long random secret of its own (it never falls back to SECRET_KEY).")


@dataclass(frozen=True)
class PersonalDataKey:
    setting: str  # Django setting with one master secret (read when `list_setting` is empty)
    namespace: str  # e.g. "kotakita.permits.nik"
    derivation: Derivation = Derivation.HKDF
    list_setting: str = ""  # Django setting with masters newest first, e.g. "PERMITS_NIK_KEYS"

    def masters(self) -> list[str]:
        """Every configured master, the current one (for new writes) first."""
        if self.list_setting and (keys := as_list(getattr(settings, self.list_setting, ""))):
            return keys
        if single := str(getattr(settings, self.setting, "") or ""):
            return [single]
        if dev_keys_allowed():
            return [dev_master()]
        names = f"{self.list_setting} (or {self.setting})" if self.list_setting else self.setting
        raise ImproperlyConfigured(f"Set {names}: personal data never falls back to SECRET_KEY outside development.")

    def master(self) -> str:
        return self.masters()[0]

    def _digest_with(self, master: str, value: str, purpose: str) -> str:
        if self.derivation is Derivation.SALTED_HMAC:
            return salted_hmac(f"{self.namespace}.{purpose}", value, secret=master, algorithm="sha256").hexdigest()
        key = _hkdf(master.encode(), self.namespace.encode(), purpose.encode())
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def digest(self, value: str, purpose: str = "lookup") -> str:
        """Hex HMAC-SHA256 of `value` with the current master, for matching without the value."""
        return self._digest_with(self.master(), value, purpose)

    def digests(self, value: str, purpose: str = "lookup") -> list[str]:
        """The digest under every configured master: lookups match rows not yet rewritten."""
        return [self._digest_with(master, value, purpose) for master in self.masters()]

    def _fernet_for(self, master: str) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(_hkdf(master.encode(), self.namespace.encode(), b"encrypt")))

    def _fernet(self) -> MultiFernet:
        return MultiFernet([self._fernet_for(master) for master in self.masters()])

    def encrypt(self, value: str) -> str:
        return self._fernet().encrypt(value.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet().decrypt(ciphertext.encode()).decode()
        except InvalidToken as exc:  # wrong key or damaged: never echo the ciphertext
            raise ValueError("Personal data cannot be decrypted with the configured key") from exc

    def is_current(self, ciphertext: str) -> bool:
        """Whether `ciphertext` is already encrypted with the current (first) master."""
        try:
            self._fernet_for(self.master()).decrypt(ciphertext.encode())
        except InvalidToken:
            return False
        return True
