from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("prompts/", views.prompts, name="feedback-prompts"),
    path("prompts/<int:pk>/answer/", views.answer, name="feedback-answer"),
]
