"""Every page fits every screen (issue 14): from a 360 px phone to a 1920 px monitor, nothing scrolls sideways.

The pages are the real site on the local stack, with a library of 30 developed photos (one named with 120
characters); full-page screenshots at 390 and 1366 px go to test-output/screenshots/.
"""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOTS
from tests.e2e.site_pages import PAGES, horizontal_overflow, visit

pytestmark = pytest.mark.slow
WIDTHS = [360, 390, 768, 1366, 1920]
HEIGHT = 800
SCREENSHOT_WIDTHS = {390, 1366}
PHONES = [360, 390]


def library_if_needed(request, name: str):
    return request.getfixturevalue("library") if PAGES[name].logged_in else None


def overflow_report(name: str, width: int, layout: dict) -> str:
    lines = [f"{name} at {width} px scrolls sideways: scrollWidth {layout['scrollWidth']} > {layout['innerWidth']}"]
    for found in layout["overflowing"][:12]:
        where = "starts here" if found["starts_here"] else "inside an overflowing parent"
        clip = ", clipped by an ancestor" if found["clipped"] else ""
        span = f"x {found['left']}..{found['right']}"
        lines.append(f"  {found['element']}: its {found['what']} at {span} ({where}{clip})")
    return "\n".join(lines)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_no_page_scrolls_sideways(open_page, request, name, width):
    page = visit(open_page, name, library_if_needed(request, name), viewport={"width": width, "height": HEIGHT})
    if width in SCREENSHOT_WIDTHS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)

    layout = horizontal_overflow(page)
    assert layout["scrollWidth"] <= layout["innerWidth"], overflow_report(name, width, layout)


# Each day's tiles, grouped into rows by their top edge (the tiles of one row share it).
ROWS_PER_DAY = """() => {
  const days = [];
  for (const element of document.querySelectorAll("#gallery > h2.day, #gallery > .tile")) {
    if (element.matches("h2.day")) { days.push([]); continue; }
    days[days.length - 1]?.push(Math.round(element.getBoundingClientRect().top + window.scrollY));
  }
  return days.map((tops) => tops.reduce((rows, top) => ((rows[top] = (rows[top] || 0) + 1), rows), {}));
}"""


def test_a_phone_shows_at_least_three_photos_a_row(open_page, library):
    page = visit(open_page, "gallery", library, viewport={"width": 390, "height": HEIGHT})

    days = page.evaluate(ROWS_PER_DAY)

    assert len(days) >= 2, days  # the library spans several days
    for rows in days:
        counts = list(rows.values())
        # Every row but a day's last is full; a full row holds at least three photos.
        assert all(count >= 3 for count in counts[:-1]), days
        assert counts[0] >= min(3, sum(counts)), days


@pytest.mark.parametrize("width", PHONES)
@pytest.mark.parametrize("name", ["home", "gallery"])
def test_on_a_phone_the_navigation_folds_behind_a_menu_button(open_page, request, name, width):
    page = visit(open_page, name, library_if_needed(request, name), viewport={"width": width, "height": HEIGHT})
    menu = page.get_by_role("button", name="Menu")
    first_link = page.locator("#site-nav a").first

    # GIVEN a phone: the navigation is folded away behind the Menu button
    expect(menu).to_be_visible()
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_have_attribute("aria-controls", "site-nav")
    expect(first_link).to_be_hidden()

    # WHEN the button is pressed THEN the navigation shows, and says so
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(first_link).to_be_visible()
    layout = horizontal_overflow(page)
    assert layout["scrollWidth"] <= layout["innerWidth"], overflow_report(f"{name} (menu open)", width, layout)

    # AND Esc folds it again, the focus back on the button
    first_link.focus()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()


def test_on_a_laptop_the_navigation_shows_without_a_menu_button(open_page, library):
    page = visit(open_page, "gallery", library, viewport={"width": 1366, "height": HEIGHT})

    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(page.locator("#site-nav").get_by_role("link", name="Photos")).to_be_visible()
    expect(page.locator("#site-nav").get_by_role("link", name="Account")).to_be_visible()


@pytest.fixture
def staff_user(site, django_db_blocker):
    from web.accounts.models import User

    with django_db_blocker.unblock():
        return User.objects.create_superuser(email="ops@example.com", password="an-operator-passphrase")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_staff_queues_page_fits_every_screen(open_page, staff_user, width):
    page = open_page(user=staff_user, viewport={"width": width, "height": HEIGHT})
    response = page.goto("/staff/queues/")
    assert response.status == 200
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("not configured")).to_have_count(0)  # every queue of the stack is known
    if width in SCREENSHOT_WIDTHS:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"staff-queues-{width}.png", full_page=True)

    layout = horizontal_overflow(page)
    assert layout["scrollWidth"] <= layout["innerWidth"], overflow_report("staff queues", width, layout)
