"""Sign up, log in, log out, password change, throttling of failed log-ins, and the instructor permission."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from iamtutor.accounts.roles import is_instructor

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.django_db


def _login(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_up_creates_the_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {"username": "dana", "email": "dana@example.com", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert User.objects.get(username="dana").email == "dana@example.com"
    assert client.get(reverse("home")).context["user"].username == "dana"


def test_sign_up_keeps_what_was_typed_and_names_each_problem(client, alice):
    response = client.post(
        reverse("signup"),
        {"username": "alice", "email": "alice@example.com", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "username" in form.errors and "email" in form.errors and "password2" in form.errors
    assert b'value="alice@example.com"' in response.content


def test_log_in_and_log_out(client, alice):
    assert _login(client, "alice", PASSWORD).status_code == 302
    assert client.get(reverse("home")).context["user"] == alice
    assert client.post(reverse("logout")).status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_a_wrong_password_shows_the_form_again_with_a_message(client, alice):
    response = _login(client, "alice", "wrong password")
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_repeated_failures_lock_the_account_out_with_a_clear_message_not_a_500(client, alice, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "alice", "guess").status_code == 200
    response = _login(client, "alice", "guess")
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed log-ins" in page and "15 minutes" in page
    # Even the right password is refused until the pause ends.
    assert _login(client, "alice", PASSWORD).status_code == 429


def test_the_lockout_is_per_user_name_so_others_can_still_log_in(client, alice, bob, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "alice", "guess")
    assert _login(client, "bob", PASSWORD).status_code == 302


def test_password_change_requires_login_and_works(client, alice):
    url = reverse("password_change")
    assert client.get(url).status_code == 302
    client.force_login(alice)
    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a much better passphrase",
            "new_password2": "a much better passphrase",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a much better passphrase")


def test_password_reset_sends_a_link_that_sets_a_new_password(client, alice):
    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a brand new passphrase")


def test_instructor_command_grants_lists_and_revokes(alice, capsys):
    call_command("instructor", "grant", "alice")
    assert is_instructor(User.objects.get(pk=alice.pk))
    call_command("instructor", "list")
    assert "alice" in capsys.readouterr().out
    call_command("instructor", "revoke", "alice")
    assert not is_instructor(User.objects.get(pk=alice.pk))


def test_instructor_command_names_unknown_users_and_changes_nothing(alice):
    with pytest.raises(CommandError, match="No such user: nobody"):
        call_command("instructor", "grant", "alice", "nobody")
    assert not is_instructor(User.objects.get(pk=alice.pk))


def test_admin_action_makes_instructors(client, alice, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", PASSWORD)
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_changelist"), {"action": "make_instructor", "_selected_action": [alice.pk]}
    )
    assert response.status_code == 302
    assert is_instructor(User.objects.get(pk=alice.pk))


def test_carol_the_instructor_has_the_permission_and_alice_does_not(carol, alice):
    assert is_instructor(carol)
    assert not is_instructor(alice)
