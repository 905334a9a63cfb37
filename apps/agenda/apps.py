from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "apps.agenda"
    verbose_name = _("Agenda")

    def ready(self) -> None:
        from apps.core import cache_scopes, profile

        from . import selectors
        from .models import Event

        cache_scopes.bump_on_change(selectors.CACHE_SCOPE, Event)
        profile.register(
            profile.ProfileSection(
                key="agenda",
                order=20,
                scope=selectors.CACHE_SCOPE,
                template="agenda/_profile.html",
                build=selectors.profile_section,
            )
        )
