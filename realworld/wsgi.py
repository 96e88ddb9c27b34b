"""WSGI entry point: `gunicorn --config gunicorn.conf.py realworld.wsgi:application`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "realworld.settings")

django_application = get_wsgi_application()

from realworld.last_resort import LastResort, require_static_manifest  # noqa: E402  # needs Django set up

require_static_manifest()
application = LastResort(django_application)
