"""The Celery app: Saleor's task modules plus those of our plugins."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_flash.settings")

app = Celery("saleor_flash")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
