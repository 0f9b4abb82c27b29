from django.apps import AppConfig


class AwsApiConfig(AppConfig):
    name = "iamtutor.awsapi"
    label = "awsapi"
    verbose_name = "AWS-compatible endpoint"

    def ready(self) -> None:
        from iamtutor.sandbox import hooks

        from .keys import INDEX

        hooks.register_key_index(INDEX)
