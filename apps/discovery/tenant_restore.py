"""A restored tenant gets its search listings back (apps.tenancy.events; registered in ready())."""

from __future__ import annotations

from apps.tenancy.events import Restoring
from apps.tenancy.models import Tenant

from .models import Listing


def restore_public_rows(restoring: Restoring) -> None:
    tenant = restoring.tenant
    listings = restoring.objects("discovery.listing")
    live = set(Tenant.objects.values_list("pk", flat=True))
    for listing in listings:
        listing.pk, listing.tenant, listing.tenant_name = None, tenant, tenant.name
        if listing.kota_id not in live:
            listing.kota = tenant.parent
        for name in ("url", "shop_url", "photo_url"):
            setattr(listing, name, getattr(listing, name).replace(f"//{restoring.old_host}", f"//{restoring.new_host}"))
    Listing.objects.bulk_create(listings)
