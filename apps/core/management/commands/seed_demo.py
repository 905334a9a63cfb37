from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core import demo


class Command(BaseCommand):
    help = "Create the Kota Madiun demo tenants and one account per role (idempotent; DEBUG only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo.demo_allowed():
            # Published passwords and API keys must never exist on a real deployment.
            raise CommandError(
                "seed_demo only runs with DEBUG on (development settings). The demo accounts and keys are "
                "public; they are refused outside DEBUG anyway."
            )
        accounts = demo.seed()
        self.stdout.write(
            self.style.SUCCESS("\nKotaKita demo is ready. Password for every account: " + demo.DEMO_PASSWORD)
        )
        site = ""
        for account in accounts:
            if account.site != site:
                site = account.site
                self.stdout.write(f"\n  {site}")
            token = f"  API token: {account.token}" if account.token else ""
            self.stdout.write(f"    {account.role:<28} {account.username:<14}{token}")
        self.stdout.write("")
