"""Usernames are unique by the Meta constraint `accounts_user_username_key` (not unique=True, which
also adds a LIKE-prefix index copy; issue 17): a second account with the same name is refused
with Django's usual message (Indonesian by default) by forms and by the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_a_taken_username_is_refused_by_validation_and_by_the_database(tenant_a: Tenant) -> None:
    with tenant_a:
        User.objects.create_user(username="warga-kembar", password="x-Rahasia-123")
        twin = User(username="warga-kembar")
        twin.set_password("x-Rahasia-123")
        with pytest.raises(ValidationError) as refused:
            twin.full_clean()
        assert refused.value.message_dict["username"] == ["Seorang pengguna dengan nama pengguna tersebut sudah ada."]
        with pytest.raises(IntegrityError, match="accounts_user_username_key"), transaction.atomic():
            User.objects.create_user(username="warga-kembar", password="x-Rahasia-123")
        assert User.objects.filter(username="warga-kembar").count() == 1
