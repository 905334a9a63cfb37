"""Activate one region (`activate_tenant 35.77.03.1001`) or all kelurahan under a code
(`activate_tenant --under 35.77`), with progress; `--resume JOB` continues a stopped bulk run."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.core.db import connection
from apps.core.errors import DomainError
from apps.tenancy import services
from apps.tenancy.models import ActivationJob


class Command(BaseCommand):
    help = "Activate a desa/kelurahan or kabupaten/kota as a tenant, or all kelurahan under a code."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("code", nargs="?", help="Kemendagri code, e.g. 35.77.03.1001 or 35.77")
        parser.add_argument("--type", choices=["kota", "kelurahan"], help="Expected tenant type (checked)")
        parser.add_argument("--slug", help="Subdomain (default: from the name)")
        parser.add_argument("--email", default="", help="E-mail of the tenant's first admin")
        parser.add_argument("--plan", help="kelurahan_pilot or city_saas")
        parser.add_argument("--under", help="Activate every desa/kelurahan under this code")
        parser.add_argument("--resume", type=int, help="Continue the bulk activation job with this id")

    def handle(self, *args: Any, **options: Any) -> None:
        connection.set_schema_to_public()
        try:
            if options["resume"]:
                job = ActivationJob.objects.filter(pk=options["resume"]).first()
                if job is None:
                    raise CommandError(f"No activation job {options['resume']}.")
                self.run_job(job)
            elif options["under"]:
                job = services.create_activation_job(options["under"])
                self.stdout.write(f"Job {job.pk}: {job.total} desa/kelurahan under {job.scope}.")
                self.run_job(job)
            elif options["code"]:
                activation = services.activate_region(
                    options["code"],
                    tenant_type=options["type"],
                    slug=options["slug"],
                    plan=options["plan"],
                    admin_email=options["email"],
                )
                tenant = activation.tenant
                self.stdout.write(self.style.SUCCESS(f"{tenant.name} active at {tenant.url()}"))
                self.stdout.write(f"Admin sets a password at: {activation.set_password_url}")
            else:
                raise CommandError("Give a region code, --under CODE or --resume JOB.")
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc

    def run_job(self, job: ActivationJob) -> None:
        job = services.run_activation_job(job, out=self.stdout)
        failed = len(job.failed)
        self.stdout.write(self.style.SUCCESS(f"Job {job.pk}: {job.done}/{job.total} active, {failed} failed."))
