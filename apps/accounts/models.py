from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A person in one schema: a tenant's warga/staff, or a platform operator in public."""

    full_name = models.CharField(_("nama lengkap"), max_length=150, blank=True)
    phone = models.CharField(_("nomor HP"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("pengguna")
        verbose_name_plural = _("pengguna")

    def __str__(self) -> str:
        return self.full_name or self.username

    def has_role(self, role: Role | str) -> bool:
        return self.groups.filter(name=str(role)).exists()

    @property
    def role_names(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(name, name)) for name in self.groups.values_list("name", flat=True)]
