"""Templates: HTML escaped, plain text left readable, missing data is an error rather than a blank."""

import jinja2
import pytest

import mail
import mail_render

SAMPLE_DATA = {
    "welcome": {"email": "ada@example.com", "site_url": "https://darkroom.example/"},
    "upload_received": {"filename": "cat.jpg", "photo_url": "https://darkroom.example/photos/1/"},
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


def test_missing_field_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        mail_render.render("welcome", {"email": "ada@example.com"})


@pytest.mark.parametrize("kind", sorted(mail.KINDS))
def test_every_kind_has_its_three_templates(kind):
    names = {path.name for path in (mail_render.TEMPLATES / kind).iterdir()}

    assert names == {"subject.txt", "body.txt", "body.html"}
