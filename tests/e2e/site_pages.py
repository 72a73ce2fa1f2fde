"""Every page of the site by name, as a visitor reaches it; and the helpers the browser tests share (Tab, polls)."""

import time
from dataclasses import dataclass

from playwright.sync_api import Page

from tests.e2e.conftest import Library


@dataclass(frozen=True)
class SitePage:
    path: str  # "{photo}" is the library's first photo (the one with the 120-character name)
    logged_in: bool
    status: int = 200
    csrf_failure: bool = False  # reached by a form posted without its CSRF token


PAGES = {
    "home": SitePage("/", logged_in=False),
    "signup": SitePage("/signup/", logged_in=False),
    "login": SitePage("/login/", logged_in=False),
    "password-reset": SitePage("/password/reset/", logged_in=False),
    "gallery": SitePage("/photos/", logged_in=True),
    "photo": SitePage("/photos/{photo}/", logged_in=True),
    "trash": SitePage("/photos/trash/", logged_in=True),
    "account": SitePage("/account/", logged_in=True),
    "404": SitePage("/no-such-page/", logged_in=True, status=404),
    "403": SitePage("/login/", logged_in=False, status=403, csrf_failure=True),
}

# Posts an empty form (no csrfmiddlewaretoken) to the page's own address: Django answers with its CSRF 403 page.
POST_WITHOUT_TOKEN = """() => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = location.pathname;
  document.body.append(form);
  form.submit();
}"""

# Each image on the page, scrolled to (lazy images load only near the screen) and then waited for.
LOAD_EVERY_IMAGE = """async () => {
  const images = Array.from(document.querySelectorAll("main img"));
  for (const image of images) {
    image.scrollIntoView({block: "center", behavior: "instant"});
    await new Promise((resolve) => {
      if (image.complete) return resolve();
      image.addEventListener("load", resolve, {once: true});
      image.addEventListener("error", resolve, {once: true});
      setTimeout(resolve, 10000);  // reported below as not loaded
    });
  }
  window.scrollTo({top: 0, behavior: "instant"});
  await document.fonts.ready;
  const broken = images.filter((image) => !(image.complete && image.naturalWidth > 0));
  return broken.map((image) => image.currentSrc || image.src);
}"""


def visit(open_page, name: str, library: Library | None, **options) -> Page:
    """Opens the named page in a new context (options go to it), logged in as the library's owner if it needs to be."""
    spec = PAGES[name]
    page = open_page(user=library.user if spec.logged_in else None, **options)
    path = spec.path.format(photo=library.long_name_id if library else "")
    response = page.goto(path)
    if spec.csrf_failure:
        with page.expect_navigation() as posted:
            page.evaluate(POST_WITHOUT_TOKEN)
        response = posted.value
    assert response.status == spec.status, (name, response.status, response.url)
    broken = page.evaluate(LOAD_EVERY_IMAGE)
    assert broken == [], f"{name}: images that did not load: {broken}"
    return page


# What sticks out past the right edge of the window: elements by their box, and text (a long word, a URL) by the
# box of its characters, reported as the element holding it. The ones whose parent does not stick out (where an
# overflow starts) come first; those clipped by an ancestor that scrolls or hides its overflow are marked.
FIND_OVERFLOW = """() => {
  const limit = window.innerWidth + 0.5;
  const describe = (element) => {
    const id = element.id ? "#" + element.id : "";
    const classes = Array.from(element.classList).map((name) => "." + name).join("");
    const text = (element.textContent || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return `${element.tagName.toLowerCase()}${id}${classes}` + (text ? ` "${text}"` : "");
  };
  const clipped = (element) => {
    for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      const scrolls = getComputedStyle(parent).overflowX !== "visible";
      if (scrolls && parent.getBoundingClientRect().right <= limit) return true;
    }
    return false;
  };
  const found = [];
  const report = (element, box, what) => {
    const parent = (what === "text" ? element : element.parentElement).getBoundingClientRect();
    found.push({element: describe(element), what, left: Math.round(box.left), right: Math.round(box.right),
      starts_here: what === "text" || parent.right <= limit, clipped: clipped(element)});
  };
  for (const element of document.querySelectorAll("body *")) {
    const box = element.getBoundingClientRect();
    if (box.right > limit && (box.width > 0 || box.height > 0)) report(element, box, "box");
  }
  const texts = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = texts.nextNode(); node; node = texts.nextNode()) {
    if (!node.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const box = range.getBoundingClientRect();
    if (box.right > limit && box.width > 0) report(node.parentElement, box, "text");
  }
  found.sort((a, b) => Number(b.starts_here) - Number(a.starts_here));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, overflowing: found};
}"""


def horizontal_overflow(page: Page) -> dict:
    return page.evaluate(FIND_OVERFLOW)


def wait_until(page: Page, condition, timeout: float = 10, check=None) -> None:
    """Polls until `condition()` holds, calling `check()` (which asserts invariants) at every poll."""
    deadline = time.monotonic() + timeout
    while True:
        if check:
            check()
        if condition():
            return
        assert time.monotonic() < deadline, f"timed out after {timeout} s"
        page.wait_for_timeout(50)  # lets Playwright deliver events (and run route handlers) meanwhile


def tab_to(page: Page, selector: str, *, backwards: bool = False, limit: int = 150) -> None:
    """Presses Tab (Shift+Tab) until the focused element matches `selector`: how a keyboard user gets there."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(selector) => !!document.activeElement?.matches(selector)", selector):
            return
    raise AssertionError(f"{limit} presses of {key} never reached {selector}")


def stays_true(page: Page, condition, seconds: float) -> None:
    """Asserts `condition()` holds at every poll for `seconds`: the bound of a check that something never happens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert condition()
        page.wait_for_timeout(50)
    assert condition()


def count_requests(page: Page, fragment: str) -> list:
    """The page's requests whose URL contains `fragment`, as they are sent (Playwright Request objects)."""
    seen: list = []
    page.on("request", lambda request: seen.append(request) if fragment in request.url else None)
    return seen


def viewer_has_the_keyboard(page: Page) -> None:
    """Waits until the open viewer holds the focus: from then on its keys (arrows, Esc) act on it."""
    page.wait_for_function("() => !!document.querySelector('.pswp')?.contains(document.activeElement)")
