from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "iamtutor.pages"
    label = "pages"
    verbose_name = "Site pages"
