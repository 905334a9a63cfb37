from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "apps.feedback"
    verbose_name = _("Kepuasan warga")

    def ready(self) -> None:
        from apps.facts import registry

        from . import facts

        registry.register(self.label, facts.daily_facts)
