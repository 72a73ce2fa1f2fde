"""The gallery's JavaScript and CSS as a phone downloads them: every script and stylesheet Chromium fetched, with
the compressed bytes whitenoise sent, at page load and then after opening the viewer (PhotoSwipe's modules and
stylesheets load on the first open). Also the console errors the page printed meanwhile, and per page the Largest
Contentful Paint element and the layout shifts as Chromium's PerformanceObserver reports them (unthrottled): with
Chromium 156, Lighthouse 12.2.3's own element audits fail (its trace engine reads a field the trace no longer has).

Sizes come from Chromium's network log (Playwright's `request.sizes()`): the body as sent over the wire, gzip here
as whitenoise serves it. `gzip -9` of each decoded file is recorded beside it as a check.
"""

import gzip
from urllib.parse import urlsplit

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
BUDGET_BYTES = 100_000  # "Gallery JavaScript and CSS together <= 100 KB compressed" (issue 14), 1 KB = 1000 bytes
CODE_TYPES = {"script", "stylesheet"}
# Lighthouse's mobile emulation (a Moto G Power): the same viewport, so the same images and layout.
PHONE = {"viewport": {"width": 412, "height": 823}, "device_scale_factor": 1.75, "is_mobile": True, "has_touch": True}
VIEWER_OPEN = ".pswp--open .pswp__img"
SETTLE_MS = 1500


PAINT_FACTS = r"""() => new Promise((resolve) => {
  const lcp = [], shifts = [];
  // An element's start tag, without the presigned URLs' signatures (the path says which image).
  const tag = (node) => node?.outerHTML
    ? node.outerHTML.slice(0, node.outerHTML.indexOf(">") + 1).replace(/\?X-Amz-[^\s"']*/g, "?…") : String(node);
  const path = (url) => url.split("?")[0];
  const observe = (type, into) => new PerformanceObserver((list) => into.push(...list.getEntries()))
    .observe({type, buffered: true});
  observe("largest-contentful-paint", lcp);
  observe("layout-shift", shifts);
  setTimeout(() => {
    const last = lcp[lcp.length - 1];
    const counted = shifts.filter((entry) => !entry.hadRecentInput);
    resolve({
      lcp_element: last ? tag(last.element) : null,
      lcp_url: last?.url ? path(last.url) : "",
      lcp_ms: last ? Math.round(last.startTime) : null,
      cls: counted.reduce((sum, entry) => sum + entry.value, 0),
      shifts: counted.map((entry) => ({value: entry.value, sources: entry.sources.map((source) => tag(source.node))})),
    });
  }, 200);
})"""


def _browser(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    )


def _phone(browser, url: str, cookies: dict[str, str] | None):
    context = browser.new_context(**PHONE)
    context.add_cookies([{"name": name, "value": value, "url": url} for name, value in (cookies or {}).items()])
    return context.new_page()


def paint_facts(pages: dict[str, tuple[str, dict[str, str] | None]]) -> dict[str, dict]:
    """name -> the LCP element and the layout shifts of that page; `pages` maps a name to (address, cookies)."""
    facts = {}
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        for name, (url, cookies) in pages.items():
            page = _phone(browser, url, cookies)
            page.goto(url, wait_until="networkidle")
            page.wait_for_timeout(SETTLE_MS)
            facts[name] = page.evaluate(PAINT_FACTS)
            page.context.close()
        browser.close()
    return facts


def measure(*, url: str, cookies: dict[str, str]) -> dict:
    """`url` is the gallery's address; `cookies` log the browser in."""
    requests, console = [], []
    with sync_playwright() as playwright:
        browser = _browser(playwright)
        page = _phone(browser, url, cookies)
        page.on("requestfinished", lambda request: requests.append(request))
        page.on("console", lambda message: message.type == "error" and console.append(message.text))
        page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
        page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(SETTLE_MS)
        at_load = len(requests)
        page.locator(".tile-link[data-pswp-src]").first.click()
        page.wait_for_selector(VIEWER_OPEN, state="visible", timeout=15_000)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(SETTLE_MS)
        viewer_address = urlsplit(page.url).path
        load = [_entry(request) for request in requests[:at_load]]
        viewer = [_entry(request) for request in requests[at_load:]]
        browser.close()
    page_load = _totals(load)
    with_viewer = _totals(load + viewer)
    return {
        "page": urlsplit(url).path,
        "emulation": PHONE,
        "budget_bytes": BUDGET_BYTES,
        "page_load": {**page_load, "within_budget": page_load["transfer_bytes"] <= BUDGET_BYTES},
        "with_viewer": {**with_viewer, "within_budget": with_viewer["transfer_bytes"] <= BUDGET_BYTES},
        "viewer_address": viewer_address,
        "files": {"page_load": [e for e in load if e["type"] in CODE_TYPES],
                  "viewer_open": [e for e in viewer if e["type"] in CODE_TYPES]},
        "other_bytes": {"page_load": _by_type(load), "viewer_open": _by_type(viewer)},
        "console_errors": console,
    }  # fmt: skip


def _entry(request) -> dict:
    response = request.response()
    code = request.resource_type in CODE_TYPES and response is not None and not 300 <= response.status < 400
    body = response.body() if code else b""  # only the code's: a redirect (the viewer's images) has none
    sizes = request.sizes()
    parts = urlsplit(request.url)
    return {
        "url": parts.path if parts.netloc == urlsplit(request.frame.url).netloc else request.url.split("?")[0],
        "type": request.resource_type,
        "status": response.status if response is not None else None,
        "encoding": (response.headers.get("content-encoding", "") if response is not None else "") or "identity",
        "transfer_bytes": max(0, sizes["responseBodySize"]),  # -1: nothing received (a ping, a cancelled fetch)
        "header_bytes": sizes["responseHeadersSize"],
        "decoded_bytes": len(body),
        "gzip9_bytes": len(gzip.compress(body, compresslevel=9, mtime=0)) if code else None,
    }


def _totals(entries: list[dict]) -> dict:
    code = [entry for entry in entries if entry["type"] in CODE_TYPES]
    return {
        "files": len(code),
        "transfer_bytes": sum(entry["transfer_bytes"] for entry in code),
        "decoded_bytes": sum(entry["decoded_bytes"] for entry in code),
        "gzip9_bytes": sum(entry["gzip9_bytes"] for entry in code),
        "javascript_bytes": sum(entry["transfer_bytes"] for entry in code if entry["type"] == "script"),
        "css_bytes": sum(entry["transfer_bytes"] for entry in code if entry["type"] == "stylesheet"),
    }


def _by_type(entries: list[dict]) -> dict[str, dict]:
    """Everything else the phase fetched (the document, images, fonts, API calls): count and bytes per type."""
    summary: dict[str, dict] = {}
    for entry in entries:
        if entry["type"] not in CODE_TYPES:
            row = summary.setdefault(entry["type"], {"requests": 0, "transfer_bytes": 0})
            row["requests"] += 1
            row["transfer_bytes"] += entry["transfer_bytes"]
    return summary
