from django.apps import AppConfig


class WebSessionsConfig(AppConfig):
    name = "apps.websessions"
    label = "websessions"
