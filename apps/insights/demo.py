"""Insights demo for each kelurahan: recipes of raw materials for the demo shops' categories
(approximate market prices per kg/liter, editable in the admin) and this week's
forecast from whatever sales the demo has (a short history: the page says so). Idempotent."""

from __future__ import annotations

from decimal import Decimal

from apps.marketplace.models import Category
from apps.tenancy.models import Tenant

from . import services

# category -> (material, unit, units per item sold, price per unit in rupiah)
RECIPES: dict[str, list[tuple[str, str, str, int]]] = {
    "Makanan": [
        ("Beras Medium", "kg", "0.15", 13_250),
        ("Kacang tanah", "kg", "0.03", 32_000),
        ("Telur Ayam Ras", "kg", "0.02", 28_000),
    ],
    "Bumbu": [("Kacang tanah", "kg", "0.2", 32_000), ("Gula Konsumsi", "kg", "0.03", 17_500)],
    "Camilan": [
        ("Kedelai Biji Kering (Impor)", "kg", "0.12", 11_000),
        ("Minyak Goreng Curah", "liter", "0.05", 16_000),
    ],
    "Oleh-oleh": [("Gula Konsumsi", "kg", "0.08", 17_500)],
}


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    for name, materials in RECIPES.items():
        category = Category.objects.filter(name=name).first()
        if category is None:
            continue
        for material, unit, qty, price in materials:
            services.set_recipe(category, material, quantity_per_unit=Decimal(qty), unit=unit, unit_price=price)
    services.run_forecast()
