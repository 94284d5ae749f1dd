from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ecabinet.accounts"
    label = "accounts"
