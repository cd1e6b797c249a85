"""``manage.py seed_demo``: load (or refresh) the local demo data."""

from django.core.management.base import BaseCommand

from saleor_flash.demo import seed_demo


class Command(BaseCommand):
    help = (
        "Create the Saleor Flash demo data (providers, products, channels, "
        "members with points, flash sales, demo logins). Safe to run again: "
        "nothing is duplicated, sale windows are moved back to live/upcoming "
        "and demo passwords are reset to flash-demo-123."
    )

    def handle(self, *args, **options):
        seed_demo(self.stdout)
