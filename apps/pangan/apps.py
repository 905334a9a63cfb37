from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PanganConfig(AppConfig):
    name = "apps.pangan"
    verbose_name = _("Harga pangan")
