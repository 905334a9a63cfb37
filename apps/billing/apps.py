from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "apps.billing"
    verbose_name = _("Tagihan tenant")

    def ready(self) -> None:
        from .receivers import tenant_saved

        post_save.connect(tenant_saved, sender="tenancy.Tenant", dispatch_uid="billing-tenant-status")

        from apps.tenancy import events as tenancy_events

        from .tenant_restore import restore_public_rows

        tenancy_events.on_restore(self.label, restore_public_rows)
