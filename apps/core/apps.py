from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = _("Inti")

    def ready(self) -> None:
        from apps.core import input_checks  # noqa: F401  (registers the start-up checks)

        from . import checks  # noqa: F401 - registers the kotakita.E5xx deploy checks
        # File storage: deploy checks, and each app's `files.py` registering its private files.
        from apps.core.files import checks  # noqa: F401

        autodiscover_modules("files")
