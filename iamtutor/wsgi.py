"""WSGI entry point: ``gunicorn iamtutor.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iamtutor.settings")
application = get_wsgi_application()
