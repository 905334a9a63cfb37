from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "apps.community"
    verbose_name = _("Kas RT, iuran dan arisan")

    def ready(self) -> None:
        from apps.facts import registry

        from . import facts

        registry.register(self.label, facts.daily_facts)
