"""Every page passes axe in both themes, on a phone and a laptop, and the photo pages work from the keyboard alone.

axe-core comes from `make node` (node_modules/axe-core/axe.min.js); a violation is printed with its rule, impact,
and each node's target and failure summary, so the page can be fixed from the test's output.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.pictures import jpeg
from tests.e2e.site_pages import PAGES, tab_to, viewer_has_the_keyboard, visit, wait_until

pytestmark = pytest.mark.slow
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = [390, 1366]
# Dark is the site's default whatever the device prefers; light is what a visitor who chose "System" gets on a
# device that prefers light. (bypass_csp: axe is injected as an inline script.)
THEMES = {
    "dark": {"bypass_csp": True},
    "light": {"bypass_csp": True, "color_scheme": "light", "theme": "system"},
}
# The page's background, dark or light: proof the theme asked for is the one axe checks.
BACKGROUND_IS_LIGHT = """() => {
  const [r, g, b] = getComputedStyle(document.body).backgroundColor.match(/\\d+/g).map(Number);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 > 0.5;
}"""


@pytest.fixture(scope="module")
def axe_source() -> Path:
    assert AXE.exists(), "axe-core is missing: run `make node`"
    return AXE


def axe_violations(page, axe_source: Path) -> list[dict]:
    page.add_script_tag(path=str(axe_source))
    return page.evaluate("async () => (await axe.run()).violations")


def axe_report(where: str, violations: list[dict]) -> str:
    lines = [f"{where}: {len(violations)} axe violation(s)"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:8]:
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            lines.append(f"    {node['target']}: {summary}")
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more nodes")
    return "\n".join(lines)


def library_if_needed(request, name: str):
    return request.getfixturevalue("library") if PAGES[name].logged_in else None


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_every_page_passes_axe(open_page, request, axe_source, name, width, theme):
    page = visit(
        open_page, name, library_if_needed(request, name), viewport={"width": width, "height": 800}, **THEMES[theme]
    )
    assert page.evaluate(BACKGROUND_IS_LIGHT) == (theme == "light")

    violations = axe_violations(page, axe_source)

    assert violations == [], axe_report(f"{name} at {width} px, {theme} theme", violations)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_the_open_viewer_passes_axe(open_page, library, axe_source, width, theme):
    page = visit(open_page, "gallery", library, viewport={"width": width, "height": 800}, **THEMES[theme])
    page.locator("#gallery .tile-link[data-pswp-src]").first.click()
    expect(page.locator(".pswp")).to_be_visible()
    expect(page.locator(".pswp .pswp__img:not(.pswp__img--placeholder)").first).to_be_visible()

    violations = axe_violations(page, axe_source)

    assert violations == [], axe_report(f"the open viewer at {width} px, {theme} theme", violations)


# ---------------------------------------------------------------- the keyboard alone
def photo_url(photo_id: str) -> re.Pattern:
    return re.compile(rf"/photos/{photo_id}/$")


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_a_photo_is_uploaded_from_the_keyboard(open_page, library, tmp_path, key):
    path = tmp_path / "keyboard.jpg"
    path.write_bytes(jpeg(3))
    page = open_page(user=library.user)
    # Listening from the start: Playwright turns on its file chooser interception asynchronously, and
    # expect_file_chooser() just before the key loses the race to Enter (which clicks on keypress) now and then.
    choosers = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    page.goto("/photos/")

    # GIVEN the upload control reached with Tab, its focus shown on the visible button
    tab_to(page, "#file-input")
    assert page.locator("label.upload-button").evaluate("label => getComputedStyle(label).outlineStyle") != "none"

    # WHEN Enter or Space opens the file chooser and a photo is chosen
    page.keyboard.press(key)
    wait_until(page, lambda: choosers)
    choosers[0].set_files(str(path))

    # THEN it is uploaded and developed
    expect(page.locator("#tray .tray-file")).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(page.locator('#gallery .tile[data-status="ready"]')).to_have_count(len(library.photo_ids) + 1)


def test_the_viewer_opens_moves_and_closes_from_the_keyboard(open_page, library):
    first, second, third = library.photo_ids[:3]
    page = open_page(user=library.user)
    page.goto("/photos/")

    # WHEN Enter is pressed on the first tile, reached with Tab
    tab_to(page, "#gallery .tile-link[data-pswp-src]")
    page.keyboard.press("Enter")

    # THEN the viewer shows that photo, at its own address
    expect(page.locator(".pswp")).to_be_visible()
    expect(page).to_have_url(photo_url(first))
    viewer_has_the_keyboard(page)

    # AND the arrow keys move through the photos
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(photo_url(second))
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(photo_url(third))
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(photo_url(second))

    # AND Esc closes it, back on the gallery with the focus on the tile of the photo shown last
    page.keyboard.press("Escape")
    expect(page.locator(".pswp")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/photos/$"))
    expect(page.locator(f'#gallery .tile[data-photo-id="{second}"]:focus-within')).to_have_count(1)


def test_photos_are_trashed_and_restored_from_the_keyboard(open_page, library):
    first, second = library.photo_ids[:2]
    page = open_page(user=library.user)
    page.goto("/photos/")

    # GIVEN two photos selected with Space on their checkboxes
    tab_to(page, f'#gallery .tile[data-photo-id="{first}"] .pick input')
    page.keyboard.press("Space")
    tab_to(page, f'#gallery .tile[data-photo-id="{second}"] .pick input')
    page.keyboard.press("Space")
    expect(page.locator("#selection")).to_contain_text("2 selected")

    # WHEN Enter is pressed on Move to Trash
    tab_to(page, '#selection button[type="submit"]', backwards=True)
    expect(page.locator(":focus")).to_have_text("Move to Trash")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # THEN they leave the gallery, and Undo (reached with Tab) brings them back
    expect(page.locator(".messages")).to_contain_text("Moved 2 photos to the Trash.")
    expect(page.locator(f'#gallery .tile[data-photo-id="{first}"]')).to_have_count(0)
    tab_to(page, "form.undo button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("Restored 2 photos.")
    expect(page.locator(f'#gallery .tile[data-photo-id="{first}"]')).to_have_count(1)
    expect(page.locator(f'#gallery .tile[data-photo-id="{second}"]')).to_have_count(1)
