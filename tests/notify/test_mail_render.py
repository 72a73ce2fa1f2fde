"""Templates: HTML escaped, plain text left readable, missing data is an error rather than a blank."""

import jinja2
import pytest

import mail
import mail_render
from tests.samples import load_event

SAMPLE_DATA = {
    "verify_address": {
        "email": "ada@example.com",
        "verify_url": "https://darkroom.example/account/confirm/token/",
        "expires_in": "3 days",
    },
    "welcome": {"email": "ada@example.com", "site_url": "https://darkroom.example/"},
    "upload_received": {"filename": "cat.jpg", "photo_url": "https://darkroom.example/photos/1/"},
    "upload_batch": {
        "developed": 2,
        "failed_count": 1,
        "failed": [{"filename": "cat.heic", "reason": "Not a photo."}],
        "gallery_url": "https://darkroom.example/photos/",
    },
    "password_reset": {
        "email": "ada@example.com",
        "reset_url": "https://darkroom.example/password/reset/NDI/token/",
        "expires_in": "1 hour",
    },
    "password_changed": {"email": "ada@example.com", "reset_page_url": "https://darkroom.example/password/reset/"},
}


@pytest.mark.parametrize("kind", sorted(mail.KINDS))
def test_every_kind_renders_a_subject_text_and_html(kind):
    rendered = mail_render.render(kind, SAMPLE_DATA[kind])

    assert rendered.subject and "\n" not in rendered.subject
    assert rendered.text.strip()
    assert rendered.html.startswith("<!doctype html>")


def test_html_escapes_user_values_and_text_keeps_them_readable():
    data = {"filename": 'holiday <script>alert(1)</script> & "quotes".jpg', "photo_url": "https://d.example/p/1/"}

    rendered = mail_render.render("upload_received", data)

    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;.jpg" in rendered.html
    assert "<script>" not in rendered.html
    assert 'holiday <script>alert(1)</script> & "quotes".jpg' in rendered.text
    assert rendered.subject == 'We received holiday <script>alert(1)</script> & "quotes".jpg'


def test_url_cannot_break_out_of_the_href_attribute():
    data = {"filename": "cat.jpg", "photo_url": 'https://d.example/p/1/" onclick="alert(1)'}

    html = mail_render.render("upload_received", data).html

    assert 'href="https://d.example/p/1/&#34; onclick=&#34;alert(1)"' in html


def test_password_reset_carries_the_link_and_its_lifetime_in_both_bodies():
    rendered = mail_render.render("password_reset", SAMPLE_DATA["password_reset"])

    for body in (rendered.text, rendered.html):
        assert "https://darkroom.example/password/reset/NDI/token/" in body
        assert "works for 1 hour, and only once" in body
        assert "ada@example.com" in body
    assert "If you did not ask, ignore this email" in rendered.text
    assert rendered.subject == "Reset your Darkroom password"


def test_upload_batch_sample_lists_the_failed_files_escaped_only_in_html():
    rendered = mail_render.render("upload_batch", load_event("notify_upload_batch.json")["data"])

    assert rendered.subject == "18 photos developed, 2 could not be"
    summary = "18 of the 20 photos you uploaded are developed and in your gallery. 2 could not be:"
    assert summary in rendered.text
    assert summary in " ".join(rendered.html.split())
    assert (
        "- notes <script>alert(1)</script>.jpg\n  Not a photo: Darkroom reads JPEG, PNG, WebP, GIF and HEIC.\n"
        "- IMG_0042.HEIC\n  This photo did not finish developing. Try uploading it again.\n"
    ) in rendered.text
    assert "http://testserver/photos/" in rendered.text
    assert (
        "<li><strong>notes &lt;script&gt;alert(1)&lt;/script&gt;.jpg</strong><br>"
        "Not a photo: Darkroom reads JPEG, PNG, WebP, GIF and HEIC.</li>"
    ) in rendered.html
    assert "<script>" not in rendered.html
    assert '<a href="http://testserver/photos/">See your gallery on Darkroom</a>' in rendered.html
    assert "and 0 more" not in rendered.text


def _batch(developed: int, failed: int) -> dict:
    failures = [{"filename": f"{n}.jpg", "reason": "Not a photo."} for n in range(failed)]
    return {**SAMPLE_DATA["upload_batch"], "developed": developed, "failed_count": failed, "failed": failures}


UPLOAD_BATCH_WORDING = {
    # (developed, failed): (subject, first line of the text body)
    (1, 0): ("Your photo is developed", "Your photo is developed and in your gallery."),
    (2, 0): ("2 photos developed", "All 2 photos you uploaded are developed and in your gallery."),
    (18, 0): ("18 photos developed", "All 18 photos you uploaded are developed and in your gallery."),
    (0, 1): ("Your photo could not be developed", "Your photo could not be developed:"),
    (0, 3): ("3 photos could not be developed", "None of the 3 photos you uploaded could be developed:"),
    (1, 1): (
        "1 photo developed, 1 could not be",
        "1 of the 2 photos you uploaded is developed and in your gallery. 1 could not be:",
    ),
    (1, 2): (
        "1 photo developed, 2 could not be",
        "1 of the 3 photos you uploaded is developed and in your gallery. 2 could not be:",
    ),
    (18, 2): (
        "18 photos developed, 2 could not be",
        "18 of the 20 photos you uploaded are developed and in your gallery. 2 could not be:",
    ),
}


@pytest.mark.parametrize(
    ("counts", "wording"),
    UPLOAD_BATCH_WORDING.items(),
    ids=[f"{d}-developed-{f}-failed" for d, f in UPLOAD_BATCH_WORDING],
)
def test_upload_batch_counts_read_right_in_the_singular_and_plural(counts, wording):
    subject, first_line = wording

    rendered = mail_render.render("upload_batch", _batch(*counts))

    assert rendered.subject == subject
    assert rendered.text.splitlines()[0] == first_line
    assert first_line in " ".join(rendered.html.split())
    assert rendered.text.count("\n- ") == rendered.html.count("<li>") == counts[1]


def test_upload_batch_says_how_many_failed_files_are_not_listed():
    data = {**_batch(3, 2), "failed_count": 14}

    rendered = mail_render.render("upload_batch", data)

    assert rendered.subject == "3 photos developed, 14 could not be"
    assert "- 1.jpg\n  Not a photo.\n- and 12 more\n" in rendered.text
    assert "<li>and 12 more</li>" in rendered.html


def test_missing_field_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        mail_render.render("welcome", {"email": "ada@example.com"})


@pytest.mark.parametrize("kind", sorted(mail.KINDS))
def test_every_kind_has_its_three_templates(kind):
    names = {path.name for path in (mail_render.TEMPLATES / kind).iterdir()}

    assert names == {"subject.txt", "body.txt", "body.html"}
