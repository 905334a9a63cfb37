from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background-job housekeeping: stale jobs found by heartbeat, repair of lost after-commit work.
    No models of its own: it reads and fixes the job and listing rows of the other apps."""

    name = "apps.jobs"
    label = "jobs"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
