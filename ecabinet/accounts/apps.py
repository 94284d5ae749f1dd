from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ecabinet.accounts"
    label = "accounts"

    def ready(self) -> None:
        # Connects the logout hook that closes signing windows (docs/decisions/0601).
        from ecabinet.accounts import stepup  # noqa: F401
