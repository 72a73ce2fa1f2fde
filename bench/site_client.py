"""One user of the site over HTTP, doing what the upload page's JavaScript does: sign up, presign, POST the file
to S3, confirm, and poll the photos' status."""

import re
import time

import requests

# A confirm answered 5xx or cut off is retried, as the page does; confirm is idempotent per key.
CONFIRM_ATTEMPTS = 5


class SiteClient(requests.Session):
    def __init__(self, base_url: str):
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def signup(self, email: str, password: str = "correct horse battery", *, confirm: bool = True) -> None:
        """Sign up, and unless told not to, confirm the address from the local outbox as its owner would."""
        page = self.get(f"{self.base_url}/signup/").text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = self.post(
            f"{self.base_url}/signup/", data={"email": email, "password": password, "csrfmiddlewaretoken": token}
        )
        if not response.url.endswith("/photos/"):
            raise RuntimeError(f"signup of {email} failed: {response.status_code}")
        if confirm:
            self.address_confirm(email)

    def address_confirm(self, email: str, timeout: float = 60) -> None:
        """Follow the newest confirmation link the local outbox shows for `email` (notify sends it within a poll or
        two), and press its page's button."""
        deadline = time.monotonic() + timeout
        while (link := confirmation_link(self.get(f"{self.base_url}/local/outbox/", timeout=30).text, email)) is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"no confirmation email to {email} in the local outbox after {timeout} s")
            time.sleep(0.5)
        self.open_confirmation(link)

    def open_confirmation(self, link: str) -> None:
        """Press the button on a confirmation link's page, as its owner would."""
        page = self.get(link).text
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = self.post(link, data={"csrfmiddlewaretoken": token})
        if response.status_code >= 400:
            raise RuntimeError(f"confirming with {link} failed: {response.status_code}")

    def api(self, path: str, body: dict) -> requests.Response:
        headers = {"X-CSRFToken": self.cookies["csrftoken"], "Referer": f"{self.base_url}/photos/"}
        return self.post(f"{self.base_url}{path}", json=body, headers=headers, timeout=30)

    def upload(self, content: bytes, filename: str, content_type: str = "image/jpeg", batch: dict | None = None) -> str:
        """Presign, store and confirm one file (of `batch`, {"id", "size"}, when given); returns the photo id."""
        presigned = self.api(
            "/api/uploads/presign", {"filename": filename, "content_type": content_type, "size": len(content)}
        )
        presigned.raise_for_status()
        target = presigned.json()
        stored = requests.post(target["url"], data=target["fields"], files={"file": (filename, content)}, timeout=60)
        if stored.status_code != 204:
            raise RuntimeError(f"S3 refused {filename}: {stored.status_code} {stored.text[:200]}")
        for attempt in range(1, CONFIRM_ATTEMPTS + 1):
            try:
                body = {"key": target["key"], "filename": filename} | ({"batch": batch} if batch else {})
                confirmed = self.api("/api/uploads/confirm", body)
            except requests.ConnectionError:
                confirmed = None
            if confirmed is not None and confirmed.status_code in (200, 201):
                return confirmed.json()["id"]
            if attempt == CONFIRM_ATTEMPTS or (confirmed is not None and confirmed.status_code < 500):
                raise RuntimeError(f"confirm of {filename} failed: {confirmed and confirmed.text[:200]}")
            time.sleep(0.5 * attempt)
        raise AssertionError("unreachable")

    def statuses(self, photo_ids: list[str]) -> dict[str, str]:
        """photo id -> processing, ready or failed, as the site knows it (its tasks worker settles each photo)."""
        states: dict[str, str] = {}
        for start in range(0, len(photo_ids), 100):  # the endpoint takes at most 100 ids
            chunk = ",".join(photo_ids[start : start + 100])
            response = self.get(f"{self.base_url}/api/photos/status", params={"ids": chunk}, timeout=60)
            response.raise_for_status()
            states.update({photo_id: photo["status"] for photo_id, photo in response.json()["photos"].items()})
        return states


def confirmation_link(outbox_html: str, email: str) -> str | None:
    """The newest confirmation link to `email` on the local outbox page (emails newest first, bodies escaped)."""
    for article in outbox_html.split('<article class="email">')[1:]:
        if f" to {email}</p>" in article and (link := _CONFIRMATION_LINK.search(article)):
            return link.group(0)
    return None


def confirmation_link_in(text: str) -> str | None:
    """The confirmation link in one email's text, if it has one."""
    link = _CONFIRMATION_LINK.search(text)
    return link.group(0) if link else None


_CONFIRMATION_LINK = re.compile(r"https?://[^\s\"'&<>]+/account/confirm/[A-Za-z0-9_:\-]+/")
