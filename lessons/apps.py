from django.apps import AppConfig


class LessonsConfig(AppConfig):
    name = "lessons"
    verbose_name = "Lessons"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from .progress import on_user_logged_in

        # Log-in and sign-up (whose view logs the new user in) both move session progress to the account.
        user_logged_in.connect(on_user_logged_in, dispatch_uid="lessons.move_session_progress")
