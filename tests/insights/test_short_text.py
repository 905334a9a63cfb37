"""A recipe's material name and unit, as staff type them, are refused when too long (never cut:
a cut name could merge two materials into one row) and nothing is written."""

from __future__ import annotations

import pytest

from apps.core.errors import ValidationFailed
from apps.insights import services
from apps.insights.models import MaterialRecipe
from apps.marketplace.models import Category
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "material", "unit", "bound"), [("material", "K" * 81, "kg", 80), ("unit", "Kopi", "u" * 17, 16)]
)
def test_set_recipe_refuses_too_long_text(in_a: Tenant, field: str, material: str, unit: str, bound: int) -> None:
    cat = Category.objects.create(name="Minuman", slug="minuman")
    with pytest.raises(ValidationFailed) as caught:
        services.set_recipe(cat, material, quantity_per_unit="1", unit=unit)
    assert caught.value.code == "too_long" and caught.value.details["field"] == field
    assert str(bound) in str(caught.value.message)
    assert not MaterialRecipe.objects.exists()


def test_set_recipe_keeps_text_at_the_bound_whole(in_a: Tenant) -> None:
    cat = Category.objects.create(name="Minuman", slug="minuman")
    recipe = services.set_recipe(cat, " " + "K" * 80 + " ", quantity_per_unit="1", unit="u" * 16)
    recipe.refresh_from_db()
    assert (recipe.material, recipe.unit) == ("K" * 80, "u" * 16)
    assert services.set_recipe(cat, "Gula", quantity_per_unit="1", unit=None).unit == "kg"
    with pytest.raises(ValidationFailed) as caught:
        services.set_recipe(cat, "  ", quantity_per_unit="1")
    assert caught.value.code == "required" and caught.value.details["field"] == "material"
