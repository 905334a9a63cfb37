"""Rotating the permit NIK key: encrypt under A, rotate to [B, A] (old values still readable and
findable), `reencrypt_personal_data` rewrites them, then [B] alone reads everything."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from apps.permits import services
from apps.permits.models import NIK_KEY, Permit
from apps.tenancy.models import Tenant

from .conftest import NIK, People, submitted_permit

pytestmark = pytest.mark.django_db

KEY_A = "key-a-for-rotation-tests-0123456789abcdef"
KEY_B = "key-b-for-rotation-tests-0123456789abcdef"
KEY_C = "key-c-for-rotation-tests-0123456789abcdef"
OTHER_NIK = "3577031208850002"


def reencrypt(*args: str) -> str:
    out = io.StringIO()
    call_command("reencrypt_personal_data", *args, stdout=out)
    return out.getvalue()


def test_rotation_keeps_old_values_readable_and_the_command_rewrites_them(
    settings: Any, tenant_a: Tenant, people: People
) -> None:
    settings.PERMITS_NIK_KEYS, settings.PERMITS_NIK_KEY = [KEY_A], ""
    with tenant_a:
        old = submitted_permit(people)
        old_row = Permit.objects.values("nik_ciphertext", "nik_digest").get(pk=old.pk)

    settings.PERMITS_NIK_KEYS = [KEY_B, KEY_A]  # B is current, A still reads
    with tenant_a:
        assert NIK_KEY.decrypt(old_row["nik_ciphertext"]) == NIK
        assert not NIK_KEY.is_current(old_row["nik_ciphertext"])
        assert [p.pk for p in services.find_by_nik(NIK)] == [old.pk]  # digest under A still matches
        new = submitted_permit(people, nik=OTHER_NIK, business_name="Keripik Tempe Pak Joko")
        assert NIK_KEY.is_current(Permit.objects.get(pk=new.pk).nik_ciphertext)

    out = reencrypt()
    assert f"{tenant_a.schema_name} permits.Permit.nik_ciphertext: 1 rewritten, 1 already current" in out
    assert "Total: 1 rewritten, 1 already current, 0 unreadable" in out
    assert "Total: 0 rewritten, 2 already current, 0 unreadable" in reencrypt()  # idempotent

    settings.PERMITS_NIK_KEYS = [KEY_B]  # A is gone: everything still reads and matches
    with tenant_a:
        rows = {p.pk: p for p in Permit.objects.all()}
        assert rows[old.pk].nik_ciphertext != old_row["nik_ciphertext"]
        assert rows[old.pk].nik_digest != old_row["nik_digest"] == _digest_under(settings, KEY_A, NIK)
        assert NIK_KEY.decrypt(rows[old.pk].nik_ciphertext) == NIK
        assert NIK_KEY.decrypt(rows[new.pk].nik_ciphertext) == OTHER_NIK
        assert [p.pk for p in services.find_by_nik(NIK)] == [old.pk]
        assert [p.pk for p in services.find_by_nik(OTHER_NIK)] == [new.pk]


def _digest_under(settings: Any, key: str, value: str) -> str:
    saved = settings.PERMITS_NIK_KEYS
    settings.PERMITS_NIK_KEYS = [key]
    try:
        return NIK_KEY.digest(value)
    finally:
        settings.PERMITS_NIK_KEYS = saved


def test_the_old_single_key_setting_is_still_read_and_can_be_rotated_from(
    settings: Any, tenant_a: Tenant, people: People
) -> None:
    settings.PERMITS_NIK_KEYS, settings.PERMITS_NIK_KEY = [], KEY_A
    with tenant_a:
        permit = submitted_permit(people)
    settings.PERMITS_NIK_KEYS = f"{KEY_B}, {KEY_A}"  # as the environment gives it: comma-separated
    assert "1 rewritten" in reencrypt("--tenant", tenant_a.slug, "--batch-size", "1")
    settings.PERMITS_NIK_KEYS, settings.PERMITS_NIK_KEY = [KEY_B], ""
    with tenant_a:
        assert NIK_KEY.decrypt(Permit.objects.get(pk=permit.pk).nik_ciphertext) == NIK


def test_a_value_no_key_opens_is_reported_and_left_alone(settings: Any, tenant_a: Tenant, people: People) -> None:
    settings.PERMITS_NIK_KEYS = [KEY_A]
    with tenant_a:
        permit = submitted_permit(people)
        before = Permit.objects.values("nik_ciphertext", "nik_digest").get(pk=permit.pk)
    settings.PERMITS_NIK_KEYS = [KEY_C]  # A dropped too early
    with pytest.raises(CommandError, match="could not be decrypted"):
        reencrypt("--tenant", tenant_a.schema_name)
    with tenant_a:
        assert Permit.objects.values("nik_ciphertext", "nik_digest").get(pk=permit.pk) == before


def test_unknown_tenant_is_refused() -> None:
    with pytest.raises(CommandError, match="No tenant"):
        reencrypt("--tenant", "99.99")
