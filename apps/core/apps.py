from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Inti")

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from . import ops_checks  # noqa: F401  (registers the Celery checks)
        from .middleware import remember_unavailable

        # A database or Redis outage answers 503 instead of 500 (apps.core.middleware).
        got_request_exception.connect(remember_unavailable, dispatch_uid="kotakita-unavailable")
