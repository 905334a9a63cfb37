"""People and RT/RW units."""

from __future__ import annotations

from typing import Any

import factory

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from tests.conftest import PASSWORD

from .base import ServiceFactory


class UserFactory(ServiceFactory):
    """A user with one role (WARGA unless `roles=[...]`), password PASSWORD, no e-mail address
    unless given; `staff=True` also sets is_staff (kelurahan petugas)."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"pengguna{n}")
    full_name = factory.Faker("name", locale="id_ID")
    email = ""  # no address unless a test gives one: nothing is mailed by surprise
    roles: Any = (Role.WARGA,)
    password = PASSWORD
    staff = False

    @classmethod
    def _service(cls, *, staff: bool = False, **kwargs: Any) -> User:
        user = create_user(**kwargs)
        if staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        return user


def person(role: Role, **kwargs: Any) -> User:
    """`UserFactory(roles=[role], ...)`, shorter at call sites."""
    return UserFactory(roles=[role], **kwargs)


def staff(**kwargs: Any) -> User:
    """A kelurahan petugas: Admin role and is_staff."""
    return UserFactory(roles=[Role.ADMIN], staff=True, **kwargs)


class RwFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RukunWarga
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: 20 + n % 70)


class RtFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RukunTetangga
        django_get_or_create = ("rw", "number")

    rw = factory.SubFactory(RwFactory)
    number = 1


class ResidencyFactory(factory.django.DjangoModelFactory):
    """Someone living in an RT (the user and the RT are made unless given)."""

    class Meta:
        model = Residency

    user = factory.SubFactory(UserFactory)
    rt = factory.SubFactory(RtFactory)
    address = factory.Faker("street_address", locale="id_ID")
