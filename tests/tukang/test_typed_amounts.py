"""Rates and quotes as tukang type them: read as rupiah ("Rp150.000", "25.000,00"); "1.5" and
a fraction sent as 25000.7 are refused, never read as 15 or cut to 25000."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.core.errors import ValidationFailed
from apps.tenancy.models import Tenant
from apps.tukang import services
from apps.tukang.models import Quote, Tukang
from tests.conftest import client_for
from tests.tukang.conftest import People

pytestmark = pytest.mark.django_db


def _register_form(rate: str) -> dict[str, Any]:
    return {"name": "Mas Budi", "skills": ["cat"], "rate": rate, "rate_unit": "hari", "available": "on"}


def test_a_rate_typed_on_the_register_page_is_read_as_rupiah(people: People, tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    user = User.objects.create(username="t-budi")
    client.force_login(user)
    refused = client.post("/tukang/daftar/", _register_form("1.5"))
    assert refused.status_code == 422  # was saved as Rp15
    assert not Tukang.objects.filter(user=user).exists()
    saved = client.post("/tukang/daftar/", _register_form("Rp150.000"))  # was refused
    assert saved.status_code == 302
    assert Tukang.objects.get(user=user).rate == 150_000


def test_a_quote_typed_on_the_job_page_is_read_as_rupiah(people: People, tenant_a: Tenant) -> None:
    job = services.request_job(people.warga, skill="listrik", description="Stopkontak dapur korslet")
    client = client_for(tenant_a)
    client.force_login(people.wawan.user)
    page = f"/tukang/pekerjaan/{job.public_id}/quote/"
    assert client.post(page, {"amount": "1.500,50"}).status_code == 422
    assert not Quote.objects.filter(job=job).exists()
    assert client.post(page, {"amount": "Rp25.000"}).status_code == 302  # was refused
    assert Quote.objects.get(job=job).amount == 25_000


@pytest.mark.parametrize(("amount", "expected"), [(25_000, 25_000), (25_000.0, 25_000), ("25.000,00", 25_000)])
def test_quote_amounts_are_read(people: People, amount: Any, expected: int) -> None:
    job = services.request_job(people.warga, skill="listrik", description="Lampu teras mati")
    assert services.submit_quote(job, actor=people.wawan.user, amount=amount).amount == expected


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (25_000.7, "Isi harga dalam rupiah (angka)."),  # was cut to 25000
        ("1.5", "Isi harga dalam rupiah (angka)."),
        (True, "Isi harga dalam rupiah (angka)."),
        (-5_000, "Harga di luar batas yang wajar."),
        (0, "Harga harus lebih dari nol."),
    ],
)
def test_misread_quotes_are_refused(people: People, amount: Any, message: str) -> None:
    job = services.request_job(people.warga, skill="listrik", description="Lampu teras mati")
    with pytest.raises(ValidationFailed) as caught:
        services.submit_quote(job, actor=people.wawan.user, amount=amount)
    assert (caught.value.code, str(caught.value.message)) == ("invalid_amount", message)
    assert not Quote.objects.filter(job=job).exists()


def test_a_fractional_rate_is_refused(people: People) -> None:
    with pytest.raises(ValidationFailed) as caught:  # a client's float: was cut to 99999
        services.register_tukang(people.warga, name="Joko", skills=["cat"], rate=99_999.5)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_amount" and caught.value.details["field"] == "rate"
    assert not Tukang.objects.filter(user=people.warga).exists()
