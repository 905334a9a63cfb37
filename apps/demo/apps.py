from django.apps import AppConfig


class DemoConfig(AppConfig):
    """`manage.py seed_demo`: no models; it seeds each app through that app's demo module."""

    name = "apps.demo"
    label = "demo"
