"""The shared API-key service (apps.core.api_keys) behind Open311 keys (tenant schema) and data
API keys (public schema): lookup, refusals, constant-time comparison, prefixes, last use."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.utils import timezone

from apps.core import api_keys
from apps.core.errors import Conflict
from apps.dataservice import services as data
from apps.dataservice.models import ApiKey as DataKey
from apps.reports import services as reports
from apps.reports.models import ApiKey as Open311Key
from apps.tenancy.models import Tenant
from tests.clock import freeze
from tests.dataservice.conftest import MakeKey

pytestmark = pytest.mark.django_db


def test_a_key_is_found_by_its_raw_value_only(key: tuple[DataKey, str]) -> None:
    row, raw = key
    assert raw.startswith("kkd_") and row.prefix == raw[: api_keys.PREFIX_LENGTH]
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest() != raw
    assert api_keys.find(DataKey.objects.all(), f"  {raw} ") == row
    for wrong in ("", "   ", raw[:-1], raw + "x", raw[: api_keys.PREFIX_LENGTH], raw.upper()):
        assert api_keys.find(DataKey.objects.all(), wrong) is None, wrong
    assert data.authenticate(raw[:-1] + "?") == (None, data.KeyProblem.INVALID)


def test_the_digest_is_compared_in_constant_time(key: tuple[DataKey, str]) -> None:
    row, raw = key
    with mock.patch("apps.core.api_keys.hmac.compare_digest", wraps=hmac.compare_digest) as compare:
        assert api_keys.find(DataKey.objects.all(), raw) == row
        assert api_keys.find(DataKey.objects.all(), raw[:-1] + "?") is None
    assert compare.call_count == 2
    assert compare.call_args_list[0].args == (row.key_hash, row.key_hash)


def test_a_revoked_key_is_refused_and_stays_revoked_at_its_first_time(key: tuple[DataKey, str]) -> None:
    row, raw = key
    first = data.revoke_api_key(row).revoked_at
    assert first is not None and not DataKey.objects.get(pk=row.pk).is_usable()
    assert data.revoke_api_key(row).revoked_at == first
    assert data.authenticate(raw) == (None, data.KeyProblem.REVOKED)


def test_an_expired_key_is_refused(make_key: MakeKey, time_machine: time_machine.TimeMachineFixture) -> None:
    row, raw = make_key(expires_at=timezone.now() + timedelta(days=1))
    assert data.authenticate(raw) == (row, None)
    freeze(time_machine, timezone.now() + timedelta(days=1, seconds=1))
    assert not DataKey.objects.get(pk=row.pk).is_usable()
    assert data.authenticate(raw) == (None, data.KeyProblem.EXPIRED)


def test_last_use_is_written_at_most_once_a_minute(
    key: tuple[DataKey, str], time_machine: time_machine.TimeMachineFixture
) -> None:
    row, raw = key
    start = freeze(time_machine, timezone.now())
    data.authenticate(raw)
    freeze(time_machine, start + timedelta(seconds=30))
    data.authenticate(raw)
    assert DataKey.objects.get(pk=row.pk).last_used_at == start
    later = freeze(time_machine, start + timedelta(minutes=1))
    data.authenticate(raw)
    assert DataKey.objects.get(pk=row.pk).last_used_at == later


def test_keys_sharing_a_prefix_are_told_apart_by_their_digest(tenant_a: Tenant) -> None:
    with tenant_a:
        first, raw_first = reports.create_api_key(name="Satu", raw_key="kk311_samaawal-satu-0001")
        second, raw_second = reports.create_api_key(name="Dua", raw_key="kk311_samaawal-dua-0002")
        assert first.prefix == second.prefix
        assert reports.authenticate_api_key(raw_first) == first
        assert reports.authenticate_api_key(raw_second) == second
        assert reports.authenticate_api_key("kk311_samaawal-tiga-0003") is None
        with pytest.raises(Conflict):
            reports.create_api_key(name="Lagi", raw_key=raw_first)


def test_a_generated_key_whose_prefix_is_taken_is_generated_again(key: tuple[DataKey, str]) -> None:
    row, raw = key
    taken = raw[: api_keys.PREFIX_LENGTH] + "another-secret-tail"
    with mock.patch("apps.core.api_keys.generate", side_effect=[taken, "kkd_fresh-secret-tail-0001"]):
        again, again_raw = data.create_api_key(
            partner=row.partner, name="kedua", scopes=row.scopes, region_prefixes=row.region_prefixes
        )
    assert again_raw == "kkd_fresh-secret-tail-0001" and again.prefix != row.prefix
    assert data.authenticate(taken) == (None, data.KeyProblem.INVALID)


def test_open311_keys_get_the_new_prefix_and_keys_made_before_it_still_work(tenant_a: Tenant) -> None:
    legacy = "o311_" + "Zx9" * 12
    with tenant_a:
        new, raw = reports.create_api_key(name="Baru")
        # A row as the service wrote it before the shared service: same prefix length and digest.
        old = Open311Key.objects.create(
            name="Lama", prefix=legacy[:12], key_hash=hashlib.sha256(legacy.encode()).hexdigest()
        )
        assert raw.startswith("kk311_") and len(raw) > 40
        assert reports.authenticate_api_key(raw) == new
        assert reports.authenticate_api_key(legacy) == old
        assert Open311Key.objects.get(pk=old.pk).last_used_at is not None
        reports.revoke_api_key(old)
        assert reports.authenticate_api_key(legacy) is None
