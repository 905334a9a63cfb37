"""A residency is keyed by its user (apps.core.column_keys): one per user, and the admin cannot
move a saved residency to another user (that would insert a second row beside it)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_user_is_the_residency_and_stays_fixed_in_the_admin(tenant_a: Tenant) -> None:
    with tenant_a:
        rw, _ = RukunWarga.objects.get_or_create(number=71)
        rt, _ = RukunTetangga.objects.get_or_create(rw=rw, number=3)
        sri = User.objects.create(username="warga-kunci", full_name="Sri Kunci")
        joko = User.objects.create(username="warga-lain", full_name="Joko Lain")
        Residency.objects.create(user=sri, rt=rt, address="Jl. Lama 1")
        assert Residency.objects.get(pk=sri.pk).user == sri and sri.residency.rt == rt
        with pytest.raises(IntegrityError), transaction.atomic():
            Residency.objects.create(user=sri, rt=rt)  # forced insert: the key refuses a second one
        client = client_for(tenant_a)
        client.force_login(User.objects.get(username="admin"))
    url = f"/admin/rtrw/residency/{sri.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="user"' not in page and 'name="address"' in page
    response = client.post(url, {"user": str(joko.pk), "rt": str(rt.pk), "address": "Jl. Baru 2"})
    assert response.status_code == 302
    with tenant_a:
        assert list(Residency.objects.filter(rt=rt).values_list("user_id", "address")) == [(sri.pk, "Jl. Baru 2")]
    history = client.get(f"/admin/rtrw/residency/{sri.pk}/history/").content.decode()
    assert history.count('<th scope="row">') == 1  # the change, under the user's key
