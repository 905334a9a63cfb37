from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "apps.reports"
    verbose_name = _("Laporan warga")

    def ready(self) -> None:
        from apps.core import cache_scopes
        from apps.facts import registry

        from . import facts, selectors
        from .models import Category, CategoryAttribute, Report, ReportFollower, ReportPhoto, ReportUpdate

        registry.register(self.label, facts.daily_facts)
        # The `.update()` writers of Report (support counts, notes) always add a follower or an
        # update row in the same transaction, so these signals cover them too.
        models = (Report, ReportPhoto, Category, CategoryAttribute, ReportFollower, ReportUpdate)
        cache_scopes.bump_on_change(selectors.CACHE_SCOPE, *models)

        from apps.core import profile

        profile.register(
            profile.ProfileSection(
                key="reports",
                order=10,
                scope=selectors.CACHE_SCOPE,
                template="reports/_profile.html",
                build=selectors.profile_section,
            )
        )
