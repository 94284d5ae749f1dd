from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "ecabinet.search"
    label = "search"
    verbose_name = "Tìm kiếm"
