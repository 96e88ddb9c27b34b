"""WSGI entry point: `gunicorn --config gunicorn.conf.py realworld.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "realworld.settings")

application = get_wsgi_application()
