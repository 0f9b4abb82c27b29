"""An anonymous learner who signs up or logs in keeps the sandbox they built before."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .access import SESSION_KEY
from .models import Sandbox


@receiver(user_logged_in, dispatch_uid="sandbox-adopt-anonymous")
def adopt_anonymous_sandbox(sender, request, user, **kwargs) -> None:
    sandbox_id = request.session.get(SESSION_KEY) if request is not None else None
    if not sandbox_id:
        return
    if not Sandbox.objects.filter(owner=user, kind=Sandbox.PERSONAL).exists():
        Sandbox.objects.filter(pk=sandbox_id, owner__isnull=True).update(owner=user)
    request.session.pop(SESSION_KEY, None)
