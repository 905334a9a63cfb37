from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    verbose_name = _("Akun dan peran")

    def ready(self) -> None:
        from . import demo_lock

        demo_lock.connect()  # users created by seed_demo are marked as demo accounts
        from apps.facts import registry

        from . import checks, facts, signals  # noqa: F401 - registers the deploy checks and receivers

        registry.register(self.label, facts.daily_facts)
