"""Sign up, log in, log out, password change, throttling of failed log-ins, and the instructor permission."""

from __future__ import annotations

import re

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
        {"username": "alice", "email": "not an address", "password1": "short", "password2": "other"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "username" in form.errors and "email" in form.errors and "password2" in form.errors
    assert b'value="not an address"' in response.content


def _sign_up(client, username: str, email: str):
    data = {"username": username, "email": email, "password1": PASSWORD, "password2": PASSWORD}
    return client.post(reverse("signup"), data, follow=True)


def test_sign_up_with_a_registered_email_looks_the_same_as_with_a_new_one(client, alice, django_user_model):
    fresh = _sign_up(client, "dana", "dana@example.com")
    client.post(reverse("logout"))
    taken = _sign_up(client, "erin", "ALICE@example.com")
    # Whoever types an address learns nothing about it: same status, same page, same words.
    assert [r[1] for r in fresh.redirect_chain] == [r[1] for r in taken.redirect_chain] == [302]
    csrf = re.compile(r'"x-csrftoken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')
    assert csrf.sub("", fresh.content.decode().replace("dana", "erin")) == csrf.sub("", taken.content.decode())
    assert taken.context["user"].username == "erin"
    # The address stays with its owner (password resets go to one account), and she is told by email.
    assert django_user_model.objects.get(username="erin").email == ""
    welcome, note = mail.outbox
    assert welcome.to == ["dana@example.com"] and "dana is ready" in welcome.body
    assert note.to == ["ALICE@example.com"]
    assert "erin" in note.body and "your account alice" in note.body and "/accounts/password/reset/" in note.body


def test_a_mail_server_that_is_down_does_not_undo_the_sign_up(client, settings, monkeypatch, django_user_model):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr("iamtutor.accounts.emails.send_mail", refuse)
    assert _sign_up(client, "dana", "dana@example.com").status_code == 200
    assert django_user_model.objects.filter(username="dana").exists()


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


# The deployment README documents: one TLS proxy in front (TRUSTED_PROXY_COUNT=1) that appends the address
# it received each request from to X-Forwarded-For, so every request reaches the site from the proxy.
PROXY = "10.0.0.2"


def _login_via_proxy(client, client_address: str, username: str, password: str, forged: str = ""):
    forwarded = f"{forged}, {client_address}" if forged else client_address
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


@pytest.fixture(params=["database", "cache"])
def axes_handler(request, settings):
    """Runs a throttling test with both of axes' stores: the database (the default) and the cache (Redis)."""
    from axes.handlers.proxy import AxesProxyHandler

    if request.param == "database":
        yield request.param
        return
    default = settings.AXES_HANDLER
    settings.AXES_HANDLER = "iamtutor.accounts.throttle.CacheHandler"
    AxesProxyHandler.get_implementation(force=True)
    yield request.param
    settings.AXES_HANDLER = default
    AxesProxyHandler.get_implementation(force=True)


def test_behind_the_proxy_a_guesser_locks_out_only_their_own_address(client, alice, settings, axes_handler):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login_via_proxy(client, "203.0.113.66", "alice", "guess")
    assert _login_via_proxy(client, "203.0.113.66", "alice", PASSWORD).status_code == 429
    # Alice, elsewhere, behind the same proxy, still logs in.
    assert _login_via_proxy(client, "198.51.100.7", "alice", PASSWORD).status_code == 302


def test_behind_the_proxy_a_forged_forwarded_for_entry_does_not_dodge_the_lockout(client, alice, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(settings.AXES_FAILURE_LIMIT):
        # The client writes its own X-Forwarded-For entry; the proxy appends the real address after it.
        _login_via_proxy(client, "203.0.113.66", "alice", "guess", forged=f"192.0.2.{n}")
    assert _login_via_proxy(client, "203.0.113.66", "alice", PASSWORD, forged="192.0.2.200").status_code == 429


def test_password_spraying_from_one_address_is_paused_across_user_names(client, alice, settings, axes_handler):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 12
    for n in range(11):  # three guesses at each of four names: no single name reaches its own limit
        assert _login(client, f"user{n % 4}", "Summer2026!").status_code == 200
    response = _login(client, "user3", "Summer2026!")
    assert response.status_code == 429
    page = response.content.decode()
    assert "across several accounts" in page and "15 minutes" in page
    # From that address even the right password for any name waits until the pause ends.
    assert _login(client, "alice", PASSWORD).status_code == 429
    # Another address is not affected.
    assert (
        client.post(reverse("login"), {"username": "alice", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9").status_code
        == 302
    )


def test_a_success_does_not_clear_an_address_s_failures_at_other_names(client, alice, settings, axes_handler):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 6
    for n in range(5):
        _login(client, f"user{n}", "guess")
    assert _login(client, "alice", PASSWORD).status_code == 302
    client.post(reverse("logout"))
    assert _login(client, "user9", "guess").status_code == 429


def test_a_class_behind_one_address_is_not_paused_by_a_few_typos(client, settings, django_user_model):
    names = [f"student{n}" for n in range(20)]
    for name in names:
        django_user_model.objects.create_user(name, f"{name}@example.com", PASSWORD)
        _login(client, name, "typo")
        client.post(reverse("logout"))
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT > 20
    assert _login(client, names[0], PASSWORD).status_code == 302


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


def test_resetting_an_address_lifts_its_spraying_pause(client, alice, settings, axes_handler):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for n in range(3):
        _login(client, f"user{n}", "guess")
    assert _login(client, "alice", PASSWORD).status_code == 429
    call_command("axes_reset_ip", "127.0.0.1")
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_passwords_are_hashed_with_argon2_and_older_pbkdf2_hashes_are_upgraded_at_log_in(client, settings):
    """The site's hashers (the suite itself uses a fast one): Argon2id first, PBKDF2 still verified."""
    from django.contrib.auth.hashers import make_password

    from iamtutor import settings as site

    settings.PASSWORD_HASHERS = site.PASSWORD_HASHERS
    assert site.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert make_password(PASSWORD).startswith("argon2$argon2id$")
    old = User.objects.create(username="olga", password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    assert _login(client, "olga", PASSWORD).status_code == 302
    old.refresh_from_db()
    assert old.password.startswith("argon2$argon2id$") and old.check_password(PASSWORD)
