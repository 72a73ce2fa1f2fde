"""Password guessing is slowed: after a few wrong passwords the login form stops checking them for a while."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from web.accounts.models import FailedLogin, FormUse, User
from web.accounts.throttle import client_ip, login_attempt_allowed
from web.outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-passphrase"  # the `user` fixture's
REFUSED = "Too many failed attempts. Try again in 15 minutes, or reset your password."


def log_in(client, email="ada@example.com", password=PASSWORD, ip="198.51.100.7"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_stop_the_checks_for_that_account_from_that_network(client, user):
    for _ in range(5):
        assert "Please enter a correct email" in log_in(client, password="guess").content.decode()

    # THEN even the right password is not checked from there...
    refused = log_in(client)
    assert refused.status_code == 200 and REFUSED in refused.content.decode()
    assert client.get("/photos/").status_code == 302
    # ...while the owner elsewhere logs in as usual
    assert log_in(client, ip="203.0.113.20").status_code == 302


def test_guessing_on_through_a_block_does_not_extend_it(client, user):
    # GIVEN five wrong passwords, then a stranger trying on through the pause (issue 16: 7 a minute kept it for good)
    for _ in range(5):
        log_in(client, password="guess")
    FailedLogin.objects.update(created_at=timezone.now() - timedelta(minutes=14))
    for _ in range(5):
        assert REFUSED in log_in(client, password="guess").content.decode()

    # WHEN the five leave the window, THEN the refused attempts counted for nothing: the owner logs in
    FailedLogin.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    assert log_in(client).status_code == 302


def test_parallel_attempts_see_each_other():
    # Six attempts arriving at once, before any password check: each is counted before its own check
    allowed = [login_attempt_allowed(email="ada@example.com", ip="198.51.100.7") for _ in range(6)]

    assert allowed == [True] * 5 + [False]


def test_look_alike_spellings_are_not_the_account(client, user):
    # PostgreSQL's UPPER() folds some look-alikes (UPPER('ı') = 'I', UPPER('ſ') = 'S'): were they the same account,
    # each spelling would bring its own throttle count (the web tests run on PostgreSQL too)
    User.objects.filter(pk=user.pk).update(email="kristin@example.com")

    assert User.objects.get_by_natural_key("KRISTIN@Example.com").pk == user.pk
    for spelling in ("krıstin@example.com", "kriſtin@example.com"):
        with pytest.raises(User.DoesNotExist):
            User.objects.get_by_natural_key(spelling)
        assert log_in(client, email=spelling).status_code == 200
    assert client.get("/photos/").status_code == 302


def test_a_staff_address_signup_would_refuse_still_logs_in(client):
    User.objects.create_superuser(email="ops@localhost", password=PASSWORD)

    assert log_in(client, email="OPS@localhost").status_code == 302


def test_one_network_trying_many_accounts_is_stopped(client, user, settings):
    settings.DARKROOM_LOGIN_FAILURES_PER_NETWORK = 6
    for number in range(6):
        log_in(client, email=f"someone{number}@example.com", password="guess")

    assert REFUSED in log_in(client).content.decode()
    assert log_in(client, ip="203.0.113.20").status_code == 302


def test_one_account_guessed_from_many_networks_is_stopped(client, user, settings):
    settings.DARKROOM_LOGIN_FAILURES_PER_ACCOUNT = 6
    for number in range(7):
        log_in(client, password="guess", ip=f"192.0.2.{number}")

    assert REFUSED in log_in(client, ip="203.0.113.20").content.decode()


def test_a_hundred_wrong_passwords_from_one_network_never_lock_the_owner_out_elsewhere(client, user):
    # GIVEN a stranger's 101 wrong passwords from one network (issue 16: this locked the account everywhere)
    for _ in range(101):
        log_in(client, password="guess", ip="198.51.100.66")

    # THEN the owner logs in from home as usual
    assert log_in(client, ip="203.0.113.20").status_code == 302


def test_the_form_warns_before_the_pause_and_offers_the_reset(client, user):
    answers = [log_in(client, password="guess").content.decode() for _ in range(4)]

    assert "attempts left" not in answers[1] and "Forgot your password?" in answers[1]
    assert "2 attempts left before logins from your network pause for 15 minutes." in answers[2]
    assert "1 attempt left before logins from your network pause for 15 minutes." in answers[3]
    assert 'href="/password/reset/">Reset it</a>: a completed reset lifts the pause at once.' in answers[3]


def test_a_completed_reset_lifts_the_pause(client, user, notify_messages, django_capture_on_commit_callbacks):
    # GIVEN the owner paused by their own typos, who follows the advice and resets their password
    for _ in range(5):
        log_in(client, password="typo")
    assert REFUSED in log_in(client).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/password/reset/", {"email": "ada@example.com"})
    [email] = [message for message in notify_messages() if message["kind"] == "password_reset"]
    form_page = client.get(email["data"]["reset_url"].removeprefix("http://testserver"), follow=True)
    new_password = "a-brand-new-passphrase"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new_password, "new_password2": new_password})

    # THEN the new password works at once, from the same network (issue 16: it was still refused)
    assert log_in(client, password=new_password).status_code == 302


def test_a_successful_login_forgets_the_typos_made_from_that_network(client, user):
    for _ in range(4):
        log_in(client, password="typo")
    assert log_in(client).status_code == 302
    client.post("/logout/")

    for _ in range(4):
        log_in(client, password="typo")

    assert log_in(client).status_code == 302


def test_failures_older_than_the_window_no_longer_count(client, user):
    for _ in range(5):
        log_in(client, password="guess")
    FailedLogin.objects.update(created_at=timezone.now() - timedelta(minutes=16))

    assert log_in(client).status_code == 302


def test_the_address_is_counted_whatever_its_case(client, user):
    for _ in range(5):
        log_in(client, email="ADA@example.com", password="guess")

    assert REFUSED in log_in(client).content.decode()


def test_the_sweeper_prunes_failures_older_than_a_day(user):
    old, recent = FailedLogin.objects.create(email="a@example.com"), FailedLogin.objects.create(email="b@example.com")
    FailedLogin.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1, seconds=1))

    call_command("sweep")

    assert list(FailedLogin.objects.all()) == [recent]


def test_client_ip_is_api_gateways_source_ip_not_a_forwarded_header():
    request = RequestFactory().get("/", REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR="10.9.9.9, 198.51.100.7")
    request.META["lambda.event"] = {"requestContext": {"identity": {"sourceIp": "198.51.100.7"}}}
    http_api = RequestFactory().get("/")
    http_api.META["lambda.event"] = {"requestContext": {"http": {"sourceIp": "203.0.113.5"}}}

    assert client_ip(request) == "198.51.100.7"
    assert client_ip(http_api) == "203.0.113.5"
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="127.0.0.1")) == "127.0.0.1"


def test_an_ipv6_client_is_counted_by_its_64_which_it_can_rotate_through():
    first = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    rotated = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")
    elsewhere = RequestFactory().get("/", REMOTE_ADDR="2001:db8:1:3::1")

    assert client_ip(first) == client_ip(rotated) == "2001:db8:1:2::/64"
    assert client_ip(elsewhere) == "2001:db8:1:3::/64"


def test_an_ipv4_client_seen_over_ipv6_is_its_ipv4_address():
    assert client_ip(RequestFactory().get("/", REMOTE_ADDR="::ffff:198.51.100.7")) == "198.51.100.7"


def test_the_admin_login_is_throttled_too(client):
    User.objects.create_superuser(email="ops@example.com", password=PASSWORD)
    for _ in range(5):
        client.post("/admin/login/", {"username": "ops@example.com", "password": "guess"}, REMOTE_ADDR="198.51.100.7")

    refused = client.post(
        "/admin/login/", {"username": "ops@example.com", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )

    assert REFUSED in refused.content.decode()
    assert client.get("/admin/").status_code == 302
    # AND the admin still refuses a non-staff user with the right password (counted as a failure)
    ok = client.post("/admin/login/", {"username": "ops@example.com", "password": PASSWORD}, REMOTE_ADDR="203.0.113.1")
    assert ok.status_code == 302 and client.get("/admin/").status_code == 200


def test_a_non_staff_user_cannot_use_the_admin_login(client, user):
    response = log_in_admin = client.post(
        "/admin/login/", {"username": "ada@example.com", "password": PASSWORD}, REMOTE_ADDR="198.51.100.7"
    )

    assert log_in_admin.status_code == 200 and "staff account" in response.content.decode()
    assert FailedLogin.objects.filter(email="ada@example.com").count() == 1


def test_an_address_too_long_to_store_is_a_form_error(client):
    response = log_in(client, email="a" * 64 + "@" + "b" * 250 + ".example")

    assert response.status_code == 200 and "at most 254 characters" in response.content.decode()
    assert not FailedLogin.objects.exists()


def test_a_look_alike_duplicate_does_not_hide_the_real_account(user):
    User.objects.filter(pk=user.pk).update(email="kristin@example.com")
    User.objects.create(email="krıstin@example.com")  # what createsuperuser could make: another row

    assert User.objects.get_by_natural_key("kristin@example.com").pk == user.pk


def test_an_international_domain_is_stored_and_found_in_punycode(client):
    User.objects.create_superuser(email="ops@bücher.de", password=PASSWORD)

    assert User.objects.get().email == "ops@xn--bcher-kva.de"
    assert log_in(client, email="ops@bücher.de").status_code == 302


def test_signups_from_one_network_are_capped_per_hour(client, settings):
    settings.DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR = 3
    for number in range(3):
        response = client.post(
            "/signup/",
            {"email": f"new{number}@example.com", "password": "correct horse battery"},
            REMOTE_ADDR="198.51.100.7",
        )
        assert response.status_code == 302
        client.post("/logout/")

    over = client.post(
        "/signup/", {"email": "new3@example.com", "password": "correct horse battery"}, REMOTE_ADDR="198.51.100.7"
    )

    assert over.status_code == 429 and "Too many requests from your network" in over.content.decode()
    assert not User.objects.filter(email="new3@example.com").exists()
    elsewhere = client.post(
        "/signup/", {"email": "new3@example.com", "password": "correct horse battery"}, REMOTE_ADDR="203.0.113.9"
    )
    assert elsewhere.status_code == 302


def test_reset_requests_from_one_network_are_capped_per_hour(client, settings, django_capture_on_commit_callbacks):
    settings.DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR = 2
    for number in range(3):
        User.objects.create_user(email=f"user{number}@example.com", password=PASSWORD, email_verified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            client.post("/password/reset/", {"email": f"user{number}@example.com"}, REMOTE_ADDR="198.51.100.7")
            for number in range(3)
        ]

    assert [answer.status_code for answer in answers] == [302, 302, 429]
    assert "Too many requests from your network" in answers[2].content.decode()
    assert OutboxMessage.objects.filter(body__kind="password_reset").count() == 2


def test_probing_which_addresses_have_accounts_is_capped_like_signups(client, settings):
    # GIVEN an account, and a stranger asking signup about it from one network (issue 16: 15 of 15 answered)
    settings.DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR = 3
    User.objects.create_user(email="ada@example.com", password=PASSWORD)
    probe = {"email": "ada@example.com", "password": "correct horse battery"}
    answers = [client.post("/signup/", probe, REMOTE_ADDR="198.51.100.7") for _ in range(4)]

    # THEN the first three say so, as a real signup would, and the fourth says only that the network is over its cap
    assert [answer.status_code for answer in answers] == [400, 400, 400, 429]
    assert all("already exists" in answer.content.decode() for answer in answers[:3])
    assert "already exists" not in answers[3].content.decode()
    assert "Too many requests from your network" in answers[3].content.decode()


def test_a_form_with_bad_input_does_not_count(client, settings):
    settings.DARKROOM_EMAIL_FORMS_PER_NETWORK_PER_HOUR = 1
    client.post("/signup/", {"email": "not-an-address", "password": "x"}, REMOTE_ADDR="198.51.100.7")

    assert (
        client.post(
            "/signup/", {"email": "fine@example.com", "password": "correct horse battery"}, REMOTE_ADDR="198.51.100.7"
        ).status_code
        == 302
    )


def test_the_sweeper_prunes_form_uses_older_than_a_day():
    old, recent = (FormUse.objects.create(form="signup", ip="198.51.100.7") for _ in range(2))
    FormUse.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1, seconds=1))

    call_command("sweep")

    assert list(FormUse.objects.all()) == [recent]
