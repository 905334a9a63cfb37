"""Set-up (admin, demo): ensure OPDs and categories exist."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed

from ..models import (
    Category,
    CategoryAttribute,
    Opd,
)


@transaction.atomic
def ensure_opd(*, code: str, name: str, contact: str = "", email: str = "") -> Opd:
    opd, _created = Opd.objects.get_or_create(code=code, defaults={"name": name, "contact": contact, "email": email})
    return opd


@transaction.atomic
def ensure_category(*, code: str, name: str, attributes: Sequence[Mapping[str, Any]] = (), **fields: Any) -> Category:
    """Create a category (and its extra questions) unless its code exists; never changes one."""
    existing = Category.objects.filter(code=code).first()
    if existing is not None:
        return existing
    category = Category(code=code, name=name, **fields)
    try:
        category.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(_("Kategori tidak valid."), code="invalid_category", errors=exc.message_dict) from None
    category.save()
    for order, spec in enumerate(attributes, start=1):
        CategoryAttribute.objects.create(category=category, order=order, **spec)
    return category
