"""Rewriting stored personal data under the current key after a key rotation.

Every encrypted column is listed in `ENCRYPTED_FIELDS` (today: the permit NIK; apps.aid keeps
only HMAC hashes and no ciphertext, so it has nothing to re-encrypt, see README "Rotating keys").
A row is rewritten when its ciphertext is not under the current (first) key or its digest is
not the current key's; rows already current are left alone, so a second run changes nothing.
Rows are locked and rewritten in batches, each batch in its own transaction, so a run can be
stopped and started again and never holds long locks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.utils.module_loading import import_string

from .personal_data import PersonalDataKey


@dataclass(frozen=True)
class EncryptedField:
    model: str  # "app_label.Model"
    ciphertext_field: str
    key: str  # dotted path of the PersonalDataKey
    digest_field: str = ""  # the lookup digest made with the same key, recomputed as well
    digest_purpose: str = "lookup"


ENCRYPTED_FIELDS = [
    EncryptedField("permits.Permit", "nik_ciphertext", "apps.permits.models.NIK_KEY", digest_field="nik_digest"),
]


@dataclass
class Counts:
    rewritten: int = 0
    current: int = 0
    unreadable: int = 0
    unreadable_pks: list[object] = field(default_factory=list)

    def add(self, other: Counts) -> None:
        self.rewritten += other.rewritten
        self.current += other.current
        self.unreadable += other.unreadable
        self.unreadable_pks += other.unreadable_pks


def reencrypt_field(spec: EncryptedField, batch_size: int = 500) -> Counts:
    """Rewrite one column in the current schema; returns what was done."""
    model: type[Model] = apps.get_model(spec.model)
    key: PersonalDataKey = import_string(spec.key)
    counts = Counts()
    last_pk: object = None
    while True:
        with transaction.atomic():
            rows = model._default_manager.select_for_update().order_by("pk")
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            batch = list(rows[:batch_size])
            if not batch:
                return counts
            last_pk = batch[-1].pk
            changed = []
            for row in batch:
                ciphertext = str(getattr(row, spec.ciphertext_field))
                try:
                    plain = key.decrypt(ciphertext)
                except ValueError:  # no configured key opens it: report, never guess
                    counts.unreadable += 1
                    counts.unreadable_pks.append(row.pk)
                    continue
                digest_ok = not spec.digest_field or getattr(row, spec.digest_field) == key.digest(
                    plain, spec.digest_purpose
                )
                if key.is_current(ciphertext) and digest_ok:
                    counts.current += 1
                    continue
                setattr(row, spec.ciphertext_field, key.encrypt(plain))
                if spec.digest_field:
                    setattr(row, spec.digest_field, key.digest(plain, spec.digest_purpose))
                changed.append(row)
            fields = [spec.ciphertext_field, *([spec.digest_field] if spec.digest_field else [])]
            model._default_manager.bulk_update(changed, fields)
            counts.rewritten += len(changed)
