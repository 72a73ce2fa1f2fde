"""The site's own pages: layout, theme and menu markup, messages, error pages, and nothing a CSP would block."""

import uuid
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied
from django.template import loader
from django.test import Client
from django.urls import get_resolver, path

from web import urls as site_urls

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


# The site's URLs plus one view that fails, for the 500 page (@pytest.mark.urls(__name__)).
urlpatterns = [path("boom/", _boom), *site_urls.urlpatterns]


class Page(HTMLParser):
    """The tags of a rendered page, in order, with the ones inside <head> marked."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict, bool]] = []
        self.inline_scripts = 0
        self._in_head = False
        self._script_without_src = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "head":
            self._in_head = True
        self.tags.append((tag, attributes, self._in_head))
        self._script_without_src = tag == "script" and "src" not in attributes

    def handle_endtag(self, tag):
        if tag == "head":
            self._in_head = False
        if tag == "script":
            self._script_without_src = False

    def handle_data(self, data):
        if self._script_without_src and data.strip():
            self.inline_scripts += 1

    def find(self, tag: str, **attributes) -> list[tuple[dict, bool]]:
        return [
            (attrs, in_head)
            for name, attrs, in_head in self.tags
            if name == tag and all(attrs.get(key) == value for key, value in attributes.items())
        ]

    def index(self, tag: str, **attributes) -> int:
        for position, (name, attrs, _) in enumerate(self.tags):
            if name == tag and all(attrs.get(key) == value for key, value in attributes.items()):
                return position
        raise AssertionError(f"no <{tag} {attributes}>")


def _styled_with_a_way_home(html: str) -> None:
    page = Page(html)
    assert page.find("link", rel="stylesheet", href="/static/darkroom.css")
    assert page.find("a", href="/")


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_superuser(email="root@example.com", password="a-long-enough-passphrase")
    client.force_login(staff)
    return client


LOGGED_OUT_PAGES = ["/", "/login/", "/signup/", "/password/reset/", "/password/reset/sent/"]
LOGGED_OUT_PAGES += ["/password/reset/complete/", "/password/reset/MQ/bad-token/"]
LOGGED_IN_PAGES = ["/account/", "/account/delete/", "/password/change/", "/password/change/done/", "/photos/"]


@pytest.mark.parametrize("path", LOGGED_OUT_PAGES)
def test_pages_load_the_theme_script_blocking_in_head_before_the_stylesheet(client, path):
    page = Page(client.get(path).content.decode())

    [(theme, in_head)] = page.find("script", src="/static/theme.js")
    assert in_head and "defer" not in theme and "async" not in theme and "type" not in theme
    assert page.index("script", src="/static/theme.js") < page.index("link", rel="stylesheet")
    assert page.find("link", rel="icon", href="/static/favicon.svg")
    assert {attrs["media"] for attrs, _ in page.find("meta", name="theme-color")} == {
        "(prefers-color-scheme: dark)",
        "(prefers-color-scheme: light)",
    }


def test_the_menu_button_controls_the_navigation(client):
    page = Page(client.get("/").content.decode())

    [(button, _)] = page.find("button", **{"class": "menu-button"})
    assert button["aria-expanded"] == "false"
    assert page.find("nav", id=button["aria-controls"])
    assert page.find("script", src="/static/menu.js")


def test_navigation_of_a_visitor(client):
    page = Page(client.get("/login/").content.decode())

    assert page.find("a", href="/login/") and page.find("a", href="/signup/")
    assert not page.find("a", href="/photos/") and not page.find("form", action="/logout/")


def test_navigation_of_a_member(user_client):
    page = Page(user_client.get("/account/").content.decode())

    for href in ["/photos/", "/photos/trash/", "/account/"]:
        assert page.find("a", href=href)
    assert page.find("a", href="/account/", **{"aria-current": "page"})
    assert page.find("form", method="post", action="/logout/")
    assert not page.find("a", href="/admin/")


def test_navigation_of_staff(staff_client):
    assert Page(staff_client.get("/account/").content.decode()).find("a", href="/admin/")


@pytest.mark.parametrize("path", LOGGED_OUT_PAGES)
def test_no_inline_script_or_style_on_visitor_pages(client, path):
    _assert_nothing_inline(client.get(path).content.decode())


@pytest.mark.parametrize("path", LOGGED_IN_PAGES)
def test_no_inline_script_or_style_on_member_pages(user_client, path):
    _assert_nothing_inline(user_client.get(path).content.decode())


def test_no_inline_script_or_style_on_forms_with_errors(client, user_client):
    _assert_nothing_inline(client.post("/signup/", {"email": "", "password": ""}).content.decode())
    _assert_nothing_inline(client.post("/login/", {"username": "", "password": ""}).content.decode())
    _assert_nothing_inline(user_client.post("/password/change/", {}).content.decode())


def _assert_nothing_inline(html: str) -> None:
    page = Page(html)
    assert page.inline_scripts == 0, "a CSP forbids inline scripts"
    assert not [tag for tag, attrs, _ in page.tags if "style" in attrs], "no style attributes"
    assert not [tag for tag, attrs, _ in page.tags if any(name.startswith("on") for name in attrs)], "no handlers"


def test_form_errors_are_summed_up_with_links_to_their_fields(client):
    html = client.post("/signup/", {"email": "not-an-email", "password": ""}).content.decode()
    page = Page(html)

    [(summary, _)] = page.find("div", **{"class": "error-summary"})
    assert summary["role"] == "alert" and summary["tabindex"] == "-1"
    assert page.find("a", href="#id_email") and page.find("a", href="#id_password")
    assert html.count("Enter a password") == 2  # in the summary and above the field
    [(email, _)] = page.find("input", id="id_email")
    assert email["aria-invalid"] == "true" and "id_email_error" in email["aria-describedby"]
    assert page.find("div", id="id_email_error")


def test_signup_welcomes_the_new_member(client):
    response = client.post("/signup/", {"email": "new@example.com", "password": "correct horse battery"}, follow=True)

    assert response.redirect_chain == [("/photos/", 302)]
    page = response.content.decode()
    assert '<div class="messages" role="status">' in page
    assert '<p class="message success">Welcome to Darkroom.' in page


def test_logout_says_so(user_client):
    response = user_client.post("/logout/", follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "You&#x27;re logged out." in response.content.decode()


def test_account_deletion_says_only_its_own_message(user_client):
    response = user_client.post("/account/delete/", {"password": "a-long-enough-passphrase"}, follow=True)

    page = response.content.decode()
    assert "Your account is deleted" in page and "logged out." not in page


def test_404_is_styled_with_a_way_home(client, settings):
    settings.DEBUG = False
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert [template.name for template in response.templates][0] == "404.html"
    _styled_with_a_way_home(response.content.decode())


def test_404_of_a_missing_photo_is_the_same_page(user_client, settings):
    settings.DEBUG = False
    response = user_client.get(f"/photos/{uuid.uuid4()}/")

    assert response.status_code == 404
    assert [template.name for template in response.templates][0] == "404.html"
    assert "We can’t find that page" in response.content.decode()
    assert Page(response.content.decode()).find("a", href="/photos/")


def test_500_renders_without_any_context():
    html = loader.get_template("500.html").render()

    _styled_with_a_way_home(html)
    assert "Something went wrong" in html
    assert 'action="/logout/"' not in html and "/login/" not in html  # it cannot know who is logged in


@pytest.mark.urls(__name__)
def test_500_from_a_failing_view_is_styled(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    response = client.get("/boom/")

    assert response.status_code == 500
    _styled_with_a_way_home(response.content.decode())


def test_403_is_styled_with_a_way_home(rf, user):
    request = rf.get("/")
    request.user = user
    response = get_resolver().resolve_error_handler(403)(request, PermissionDenied())

    assert response.status_code == 403
    _styled_with_a_way_home(response.content.decode())
    assert "You can’t open this page" in response.content.decode()


def test_csrf_failure_page_is_styled(user):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "ada@example.com", "password": "a-long-enough-passphrase"})

    assert response.status_code == 403
    _styled_with_a_way_home(response.content.decode())
    assert "This page has expired" in response.content.decode()


def test_stylesheet_keeps_the_token_names_the_photo_pages_use(settings):
    css = (settings.BASE_DIR / "web" / "static" / "darkroom.css").read_text()

    tokens = ["--bg", "--surface", "--surface-2", "--ink", "--muted", "--line", "--accent", "--accent-ink"]
    tokens += ["--danger", "--ok", "--focus", "--radius", "--radius-lg", "--font"]
    tokens += [f"--space-{step}" for step in range(1, 7)] + [f"--step-{step}" for step in ["-1", "0", "1", "2", "3"]]
    for token in tokens:
        assert f"  {token}: " in css, token
    assert "font-display: swap" in css


def test_home_shows_a_visitor_what_darkroom_does(client):
    page = Page(client.get("/").content.decode())

    assert len(page.find("li", **{"class": "step"})) == 3
    assert page.find("a", href="/signup/", **{"class": "button button--large"})
    assert not page.find("img")  # the pictures are CSS: no image requests


def test_home_sends_a_member_to_their_photos(user_client):
    assert user_client.get("/")["Location"] == "/photos/"
