from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "iamtutor.sandbox"
    label = "sandbox"
    verbose_name = "Sandboxes"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (moves an anonymous sandbox to the account at log-in)
