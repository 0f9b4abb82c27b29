"""Shared fixtures: the named cast (alice the learner, bob a classmate, carol the instructor, mallory an
outsider), a fast password hasher, and a clean cache for every test."""

from __future__ import annotations

import pytest
from hypothesis import settings as hypothesis_settings

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from django.core.cache import cache

    cache.clear()


def _make_user(django_user_model, username: str, **extra):
    return django_user_model.objects.create_user(username, f"{username}@example.com", PASSWORD, **extra)


@pytest.fixture
def alice(db, django_user_model):
    return _make_user(django_user_model, "alice")


@pytest.fixture
def bob(db, django_user_model):
    return _make_user(django_user_model, "bob")


@pytest.fixture
def carol(db, django_user_model):
    from iamtutor.accounts.roles import grant_instructor

    user = _make_user(django_user_model, "carol")
    grant_instructor(user)
    return user


@pytest.fixture
def mallory(db, django_user_model):
    return _make_user(django_user_model, "mallory")


# Property tests run on a shared, sometimes busy machine: judge them on their answers, not on wall time.
hypothesis_settings.register_profile("iamtutor", deadline=None)
hypothesis_settings.load_profile("iamtutor")
