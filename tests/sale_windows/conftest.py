import pytest

from . import factories


@pytest.fixture(scope="module")
def committed_db(django_db_setup, django_db_blocker):
    """Plain autocommit access to the test database for a whole module.

    Threads and server processes only see committed rows, and pytest-django's
    ``transactional_db`` truncates every Saleor table after each test (about
    3 s apiece here); these tests instead remove exactly the rows they made.
    """
    with django_db_blocker.unblock():
        from django.db import connection

        name = connection.settings_dict["NAME"]
        assert name.startswith("test_"), (
            f"{name} is not a test database: pytest-django only creates one when "
            "a collected test is marked django_db; keep test_on_the_test_database "
            "in the module"
        )
        try:
            yield
        finally:
            factories.delete_created()
