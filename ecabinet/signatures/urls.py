from django.urls import path  # noqa: F401

app_name = "signatures"
urlpatterns: list = []  # type: ignore[type-arg]
