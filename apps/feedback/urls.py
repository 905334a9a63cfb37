"""Pages of apps.feedback (mounted at /nilai/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "feedback"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("kartu/", views.card, name="card"),
    path("<int:pk>/", views.answer, name="answer"),
]
