"""City-wide product listing (public schema), fed by the kelurahan tenants.

A kelurahan never exposes its schema to another tenant: each product change queues a task in
the seller's tenant (after commit) that writes one `Listing` row here. The kota site searches
these rows and links to the product on the seller's own subdomain, where the order is placed.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Listing(models.Model):
    tenant = models.ForeignKey(
        "tenancy.Tenant", on_delete=models.CASCADE, related_name="listings", verbose_name=_("kelurahan penjual")
    )
    # The kota the seller belongs to (tenant.parent at publication), for the kota's search.
    kota = models.ForeignKey(
        "tenancy.Tenant", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("kota")
    )
    product_ref = models.PositiveBigIntegerField(_("ID produk di kelurahan"))
    name = models.CharField(_("nama produk"), max_length=150)
    shop_name = models.CharField(_("nama toko"), max_length=120)
    tenant_name = models.CharField(_("nama kelurahan"), max_length=150)
    price = models.BigIntegerField(_("harga mulai (Rp)"))
    price_max = models.BigIntegerField(_("harga tertinggi (Rp)"))
    in_stock = models.BooleanField(_("tersedia"), default=True)
    verified = models.BooleanField(_("toko terverifikasi"), default=False)
    url = models.URLField(_("URL produk"), max_length=500)
    shop_url = models.URLField(_("URL toko"), max_length=500)
    photo_url = models.CharField(_("URL foto"), max_length=500, blank=True)
    search_name = models.CharField(max_length=400, editable=False)
    search_text = models.TextField(editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    updated_at = models.DateTimeField(_("diperbarui"), auto_now=True)

    class Meta:
        verbose_name = _("produk lintas kelurahan")
        verbose_name_plural = _("produk lintas kelurahan")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "product_ref"], name="discovery_listing_once_per_product"),
            models.CheckConstraint(
                condition=Q(price__gt=0) & Q(price_max__gte=models.F("price")), name="discovery_listing_price_positive"
            ),
        ]
        indexes = [
            GinIndex(fields=["search_vector"], name="discovery_listing_fts"),
            GinIndex(fields=["search_name"], opclasses=["gin_trgm_ops"], name="discovery_listing_trgm"),
            models.Index(fields=["kota", "in_stock", "-updated_at"], name="discovery_listing_kota"),
        ]

    def __str__(self) -> str:
        return f"{self.name} — {self.shop_name} ({self.tenant_name})"
