from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Akun dan peran")

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401 - registers the deploy checks and receivers
