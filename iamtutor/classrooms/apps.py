from django.apps import AppConfig


class ClassroomsConfig(AppConfig):
    name = "iamtutor.classrooms"
    label = "classrooms"
    verbose_name = "Classrooms"

    def ready(self) -> None:
        from iamtutor.sandbox import hooks

        from .federation import ClassroomFederation

        hooks.register(ClassroomFederation())
        from . import nav  # noqa: F401  (connects the main navigation's signals)
