import pytest

from . import ledger_support


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Autocommit access to the test database for a module: threads see the
    rows; the module removes exactly the channels it made."""
    with django_db_blocker.unblock():
        from django.db import connection

        assert connection.settings_dict["NAME"].startswith("test_")
        try:
            yield
        finally:
            ledger_support.delete_created()
