from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Inti")

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        # Start-up and deploy checks: input limits, security settings (E5xx), Celery (ops).
        from apps.core import checks, input_checks, ops_checks  # noqa: F401
        from apps.core.files import checks as file_checks  # noqa: F401

        from .unavailable import remember_unavailable

        # Each app's `files.py` registers its private files.
        autodiscover_modules("files")
        # A database or Redis outage answers 503 instead of 500 (apps.core.unavailable).
        got_request_exception.connect(remember_unavailable, dispatch_uid="kotakita-unavailable")
