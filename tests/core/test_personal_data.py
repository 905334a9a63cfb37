"""apps.core.personal_data: the digests and ciphertexts already stored by permits and aid stay
valid (values pinned from the code before the merge), and keys stay apart (no database)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.crypto import salted_hmac

from apps.aid.identity import NUMBER_KEY, hash_number
from apps.core.personal_data import Derivation, PersonalDataKey
from apps.permits.models import NIK_KEY

NIK = "3577035208850001"
KK = "3577030101200042"
SECRET_KEY = "test-only-secret-key-not-for-production-use-0123456789"

# Computed with apps/permits/crypto.py and apps/aid/identity.py as they were before the merge.
BEFORE = {
    "fallback": {  # PERMITS_NIK_KEY / NIK_HMAC_KEY empty: derived from SECRET_KEY
        "permits_digest": "e9b10cc8ac22afba06f8f06c82c1ba26f43f60ae716d34984bd780e66f95d377",
        "permits_token": "gAAAAABrCi1SmhUgOz5_m2WDslfe2yxReo1yclaywefRNpId3bU9WyMAHtvQgQzWWPY4UW_w9CCGX575fAbfarRZ7w4H"
        "4yxu2Wn8OP39qmVjfiHdnH5dzQk=",
        "aid_nik": "be7e734cc93175dc96423f7dbea8a816397417071fe2777b7ea29dc6313984e1",
        "aid_kk": "10ab2e51fd0220a2c29d1386051c540e630e62db816c2fc55de5f859402c3c4b",
    },
    "own_keys": {  # PERMITS_NIK_KEY="permits-key-for-tests", NIK_HMAC_KEY="aid-key-for-tests"
        "permits_digest": "e94db185496f5d3a08c3a5578b30ca2eeb59f89de344dfeffe820f99d1d8395f",
        "permits_token": "gAAAAABrCi1SEBwre3W_8hzQw05hQlM9Wex5WCQ83NZN0YUQuHeLthLXUHUQ-9fCLzH-WbzZcsgjc9Y2gxWOv115sZGF"
        "qSLFMvan6HTPuS6jkt6MlAZ6FV8=",
        "aid_nik": "6b5f33cdbad62ecdd08b5068e5e445a80fd5ede9b8007a05936e7def70ba9893",
        "aid_kk": "b9023d7e2e146ddbfdc2a97e8bae88013e404722b4c1a2c247db41d5fac664e4",
    },
}
KEYS = {
    "fallback": {"PERMITS_NIK_KEY": "", "NIK_HMAC_KEY": ""},
    "own_keys": {"PERMITS_NIK_KEY": "permits-key-for-tests", "NIK_HMAC_KEY": "aid-key-for-tests"},
}


@pytest.fixture
def keys(settings: Any, request: pytest.FixtureRequest) -> dict[str, str]:
    settings.SECRET_KEY = SECRET_KEY
    for name, value in KEYS[request.param].items():
        setattr(settings, name, value)
    return BEFORE[request.param]


@pytest.mark.parametrize("keys", ["fallback", "own_keys"], indirect=True)
def test_stored_values_still_match(keys: dict[str, str]) -> None:
    assert NIK_KEY.digest(NIK) == keys["permits_digest"]
    assert NIK_KEY.decrypt(keys["permits_token"]) == NIK
    assert hash_number("nik", NIK) == NUMBER_KEY.digest(NIK, purpose="nik") == keys["aid_nik"]
    assert hash_number("kk", KK) == keys["aid_kk"]
    assert NIK_KEY.decrypt(NIK_KEY.encrypt(NIK)) == NIK


def test_the_schemes_are_what_they_say(settings: Any) -> None:
    settings.PERMITS_NIK_KEY, settings.NIK_HMAC_KEY = "p", "a"
    lookup = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"kotakita.permits.nik", info=b"lookup").derive(b"p")
    assert NIK_KEY.digest(NIK) == hmac.new(lookup, NIK.encode(), hashlib.sha256).hexdigest()
    assert hash_number("kk", KK) == salted_hmac("kotakita.aid.kk", KK, secret="a", algorithm="sha256").hexdigest()


def test_keys_fall_back_to_secret_key_and_are_kept_apart(settings: Any) -> None:
    settings.PERMITS_NIK_KEY = settings.NIK_HMAC_KEY = ""
    fallback = NIK_KEY.digest(NIK), hash_number("nik", NIK)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert NIK_KEY.digest(NIK) != fallback[0] and hash_number("nik", NIK) != fallback[1]
    settings.PERMITS_NIK_KEY, settings.NIK_HMAC_KEY = "own-permits-key", "own-aid-key"
    own = NIK_KEY.digest(NIK), hash_number("nik", NIK)
    settings.SECRET_KEY = SECRET_KEY  # rotating SECRET_KEY changes nothing once the own keys are set
    assert (NIK_KEY.digest(NIK), hash_number("nik", NIK)) == own
    # purposes, namespaces and schemes never collide, nor is a digest the bare SHA-256
    digests = {
        NIK_KEY.digest(NIK),
        NIK_KEY.digest(NIK, purpose="other"),
        PersonalDataKey(setting="PERMITS_NIK_KEY", namespace="kotakita.other").digest(NIK),
        PersonalDataKey(setting="PERMITS_NIK_KEY", namespace="kotakita.permits.nik", derivation=Derivation.SALTED_HMAC)
        .digest(NIK),
        hash_number("nik", NIK),
        hash_number("kk", NIK),
        hashlib.sha256(NIK.encode()).hexdigest(),
    }  # fmt: skip
    assert len(digests) == 7


def test_a_ciphertext_needs_its_key(settings: Any) -> None:
    settings.PERMITS_NIK_KEY = "first-key"
    token = NIK_KEY.encrypt(NIK)
    assert NIK not in token and NIK_KEY.encrypt(NIK) != token  # random IV
    settings.PERMITS_NIK_KEY = "second-key"
    with pytest.raises(ValueError, match="cannot be decrypted") as info:
        NIK_KEY.decrypt(token)
    assert token not in str(info.value)


def test_outside_development_there_is_no_fallback_to_secret_key(settings: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from apps.facts.metrics import entity_key

    settings.PERSONAL_DATA_DEV_KEYS = False
    settings.PERMITS_NIK_KEYS, settings.PERMITS_NIK_KEY, settings.NIK_HMAC_KEY = [], "", ""
    settings.ANALYTICS_ENTITY_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="PERMITS_NIK_KEYS"):
        NIK_KEY.encrypt(NIK)
    with pytest.raises(ImproperlyConfigured, match="NIK_HMAC_KEY"):
        hash_number("nik", NIK)
    with pytest.raises(ImproperlyConfigured, match="ANALYTICS_ENTITY_KEY"):
        entity_key("user", "mojorejo", 1)
    settings.ANALYTICS_ENTITY_KEY = "analytics-key-for-tests"
    assert entity_key("user", "mojorejo", 1) != entity_key("user", "mojorejo", 2)


def test_the_key_list_wins_over_the_single_key(settings: Any) -> None:
    settings.PERMITS_NIK_KEY = "single-key"
    token = NIK_KEY.encrypt(NIK)
    settings.PERMITS_NIK_KEYS = ["list-key", "single-key"]
    assert NIK_KEY.master() == "list-key" and NIK_KEY.decrypt(token) == NIK and not NIK_KEY.is_current(token)
    assert NIK_KEY.digests(NIK)[1] == PersonalDataKey(setting="PERMITS_NIK_KEY", namespace=NIK_KEY.namespace).digest(
        NIK
    )
