from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.demo import seed as demo


class Command(BaseCommand):
    help = "Create the Kota Madiun demo tenants and one account per role (idempotent; DEBUG only)."
    # `make run` runs the checks in `migrate` just before; running them again here (they load
    # every URLconf and model) would add seconds to each boot.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Run every demo module again, even where the demo is complete."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo.demo_allowed():
            # Published passwords and API keys must never exist on a real deployment.
            raise CommandError(
                "seed_demo only runs with DEBUG on (development settings). The demo accounts and keys are "
                "public; they are refused outside DEBUG anyway."
            )
        notes: list[str] = []
        accounts = demo.seed(force=bool(options["force"]), notes=notes)
        for note in notes:
            self.stdout.write(f"  {note}")
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
