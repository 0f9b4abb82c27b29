from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "iamtutor.accounts"
    label = "accounts"
    verbose_name = "Accounts"
