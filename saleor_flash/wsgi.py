"""WSGI entry point for gunicorn (`saleor_flash.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_flash.settings")

application = get_wsgi_application()
