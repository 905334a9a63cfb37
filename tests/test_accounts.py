"""Sign in/out, password reset, rate-limited logins, roles and self-registration."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user, register_resident
from apps.core.errors import Conflict, ValidationFailed
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(client_a: Client) -> None:
    response = client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD})
    assert response.status_code == 302
    assert "Warga Mojorejo" in client_a.get("/").content.decode()
    client_a.post("/akun/keluar/")
    assert client_a.get("/api/v1/me/").status_code in (401, 403)


def test_wrong_password_is_refused_with_a_message(client_a: Client) -> None:
    response = client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": "salah"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_failed_logins_are_rate_limited(client_a: Client, client_b: Client, settings: object) -> None:
    limit = settings.AXES_FAILURE_LIMIT  # type: ignore[attr-defined]
    for _ in range(limit):
        client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": "tebak-tebakan"})
    locked = client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD})
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan" in locked.content.decode()
    # the lock is per tenant: the namesake account in B is untouched
    ok = client_b.post("/akun/masuk/", {"username": "warga-pandean", "password": PASSWORD})
    assert ok.status_code == 302


def test_password_reset_by_email(client_a: Client, tenant_a: Tenant) -> None:
    response = client_a.post("/akun/lupa-sandi/", {"email": "warga@mojorejo.id"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    match = re.search(r"http://mojorejo\.localhost(?::\d+)?(/akun/sandi/[^\s]+)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    form = client_a.get(match.group(1), follow=True)
    assert form.status_code == 200
    new = "Baru-Sandi-2027!"
    done = client_a.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert client_a.post("/akun/masuk/", {"username": "warga-mojorejo", "password": new}).status_code == 302


def test_password_reset_does_not_reveal_unknown_emails(client_a: Client) -> None:
    response = client_a.post("/akun/lupa-sandi/", {"email": "warga@pandean.id"})  # B's address
    assert response.status_code == 302
    assert mail.outbox == []


def test_self_registration_as_warga_with_rt(client_a: Client, tenant_a: Tenant) -> None:
    with tenant_a:
        rw = RukunWarga.objects.create(number=2)
        rt = RukunTetangga.objects.create(rw=rw, number=4)
    response = client_a.post(
        "/akun/daftar/",
        {
            "full_name": "Siti Aminah",
            "username": "siti",
            "phone": "081234567890",
            "email": "siti@example.id",
            "role": "warga",
            "rt": rt.pk,
            "address": "Jl. Mojorejo 12",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    with tenant_a:
        siti = User.objects.get(username="siti")
        assert siti.has_role(Role.WARGA) and not siti.is_staff
        assert Residency.objects.get(user=siti).rt == rt
    assert client_a.get("/api/v1/me/").json()["rt"] == "RT 04/RW 02"


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "12345"), ("username", "bad name!"), ("password", "123"), ("role", "lurah")],
)
def test_self_registration_rejects_bad_input(client_a: Client, tenant_a: Tenant, field: str, value: str) -> None:
    data = {"full_name": "Budi", "username": "budi", "role": "pemilik_umkm", "password": PASSWORD}
    data[field] = value
    response = client_a.post("/akun/daftar/", data)
    assert response.status_code == 422
    with tenant_a:
        assert not User.objects.filter(username="budi").exists()


def test_registration_is_not_offered_on_the_platform_site(platform_client: Client) -> None:
    assert platform_client.get("/akun/daftar/").status_code == 404


def test_services_refuse_duplicates_and_unknown_roles(tenant_a: Tenant) -> None:
    with tenant_a:
        with pytest.raises(Conflict):
            create_user(username="Warga-Mojorejo")
        with pytest.raises(ValidationFailed):
            create_user(username="x", roles=["presiden"])
        with pytest.raises(ValidationFailed):
            register_resident(username="y", password=PASSWORD, full_name="Y", role=Role.LURAH)
        assert not User.objects.filter(username__in=["x", "y"]).exists()


def test_staff_roles_get_admin_access(tenant_a: Tenant) -> None:
    with tenant_a:
        staff = create_user(username="staf-opd", roles=[Role.STAF_OPD], password=PASSWORD)
        courier = create_user(username="kurir-1", roles=[Role.KURIR], password=PASSWORD)
        assert staff.is_staff and not courier.is_staff
        assert staff.role_names == ["Staf OPD"]
