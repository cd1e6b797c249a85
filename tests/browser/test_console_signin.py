"""The console shell in a real browser: staff sign-in, navigation, sign-out.

Headless Chromium drives the gunicorn server from the ``api_server`` fixture,
so sessions, CSRF and static files go through the same stack as in production
(two worker processes sharing the Redis-cached session store).
"""

import re
import uuid
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect
from saleor.account.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "s3cret-pass"
LOGIN = "/dashboard-ext/login/"
HOME = "/dashboard-ext/"
SECTION_TITLES = ["Flash sales", "Channels", "Points", "Statistics"]


def make_user(*, is_staff=True, is_active=True, permissions=()) -> User:
    email = f"console-{uuid.uuid4().hex[:10]}@example.com"
    user = User.objects.create_user(
        email, PASSWORD, is_staff=is_staff, is_active=is_active
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=permissions))
    return user


def at(path: str) -> re.Pattern:
    """Pattern for a page URL on the test server at ``path`` (any query string)."""
    return re.compile(rf"^http://127\.0\.0\.1:\d+{re.escape(path)}(\?.*)?$")


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("load")


def test_staff_signs_in_navigates_and_signs_out(page, api_server, screenshot_dir):
    staff = make_user(
        permissions=(
            "manage_products",
            "manage_discounts",
            "manage_points",
            "view_statistics",
        )
    )
    stylesheets = []
    page.on(
        "response",
        lambda response: (
            stylesheets.append(response)
            if response.url.endswith("/console.css")
            else None
        ),
    )

    # An anonymous visit is sent to the sign-in form, remembering where it was going.
    page.goto(HOME)
    expect(page).to_have_url(at(LOGIN))
    assert "next=/dashboard-ext/" in page.url
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()

    sign_in(page, staff.email)
    expect(page).to_have_url(at(HOME))
    expect(page.get_by_role("heading", name="Overview")).to_be_visible()
    expect(page.get_by_test_id("signed-in-as")).to_have_text(staff.email)
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link")).to_have_text(["Overview", *SECTION_TITLES])

    # The stylesheet is served under gunicorn and actually applied.
    assert stylesheets, "the page did not request console.css"
    assert all(response.status == 200 for response in stylesheets), [
        (response.url, response.status) for response in stylesheets
    ]
    expect(page.locator("header.topbar")).to_have_css(
        "background-color", "rgb(29, 35, 48)"
    )
    expect(nav).to_have_css("width", "200px")
    page.screenshot(path=str(screenshot_dir / "console-overview.png"), full_page=True)

    nav.get_by_role("link", name="Channels").click()
    expect(page).to_have_url(at("/dashboard-ext/channels/"))
    expect(page.get_by_role("heading", name="Channels", level=1)).to_be_visible()
    expect(nav.get_by_role("link", name="Channels")).to_have_class("active")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(at(LOGIN))
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)

    page.goto(HOME)
    expect(page).to_have_url(at(LOGIN))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


@pytest.mark.parametrize(
    "account, password, message",
    [
        pytest.param(
            {"is_staff": False},
            PASSWORD,
            "This console is for staff accounts only.",
            id="non-staff",
        ),
        # Django's ModelBackend never authenticates inactive users, so an inactive
        # account gets the same answer as a wrong password (it reveals nothing).
        pytest.param(
            {"is_staff": True, "is_active": False},
            PASSWORD,
            "Wrong email or password.",
            id="inactive-staff",
        ),
        pytest.param(
            {"is_staff": True},
            "not-the-password",
            "Wrong email or password.",
            id="wrong-password",
        ),
    ],
)
def test_refused_sign_in_stays_on_the_login_page(page, account, password, message):
    user = make_user(**account)

    page.goto(LOGIN)
    sign_in(page, user.email, password)

    expect(page.get_by_role("alert")).to_have_text(message)
    expect(page).to_have_url(at(LOGIN))
    expect(page.get_by_label("Email")).to_have_value(user.email)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_test_id("signed-in-as")).to_have_count(0)

    # No session was opened: the console still sends this browser to sign in.
    page.goto(HOME)
    expect(page).to_have_url(at(LOGIN))


@pytest.mark.parametrize(
    "target, landing",
    [
        pytest.param("https://evil.example/", HOME, id="other-site"),
        pytest.param("//evil.example/", HOME, id="scheme-relative"),
        pytest.param("/graphql/", HOME, id="outside-console"),
        pytest.param("/dashboard-ext/points/", "/dashboard-ext/points/", id="console"),
    ],
)
def test_next_only_redirects_within_the_console(
    page, offsite_requests, target, landing
):
    staff = make_user()

    page.goto(f"{LOGIN}?{urlencode({'next': target})}")
    sign_in(page, staff.email)

    expect(page).to_have_url(at(landing))
    assert offsite_requests == []
    expect(page.get_by_test_id("signed-in-as")).to_have_text(staff.email)
