from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "iamtutor.labs"
    label = "labs"
    verbose_name = "Labs"
