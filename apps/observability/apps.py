from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "apps.observability"
    verbose_name = "Observability"

    def ready(self) -> None:
        from . import checks, middleware, tasks_context  # noqa: F401 - registers checks and receivers

        tasks_context.connect()
