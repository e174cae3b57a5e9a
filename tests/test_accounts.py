"""Accounts: logging in and out, safe redirects, sessions, links, rate limits, settings and
hostile input (escaped, stored literally or refused with a clear 400, never a 500)."""
from __future__ import annotations

import time

import pytest
from conftest import login
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

PASSWORD = "correct horse battery"


def count_users(app) -> int:
    from app.extensions import db
    from app.models import User
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def get_user(app, user_id):
    from app.extensions import db
    from app.models import User
    with app.app_context():
        return db.session.get(User, user_id)


def register(client, **fields):
    data = {"display_name": "Amina", "email": "amina@example.org", "password": PASSWORD, **fields}
    return client.post("/register", data=data)


def text(response) -> str:
    return response.get_data(as_text=True)


# --- logging in and out -----------------------------------------------------------------------

def test_login_and_logout(client, make_user):
    """A confirmed person logs in, sees their name, and is logged out by the POST button."""
    make_user("amina@example.org", name="Amina")
    page = client.post("/login", data={"email": " AMINA@example.org ", "password": PASSWORD},
                       follow_redirects=True)
    assert "Welcome, Amina" in text(page) and "Log out" in text(page)
    assert client.get("/account").status_code == 200
    out = client.post("/logout", follow_redirects=True)
    assert "You are logged out" in text(out) and "Log in" in text(out)
    assert client.get("/account").status_code == 302


def test_keep_me_logged_in_survives_a_closed_browser_but_not_a_logout(client, make_user):
    """"Keep me logged in" sets a remember cookie; logging out removes it, so nobody else is logged in."""
    make_user("amina@example.org")
    client.post("/login", data={"email": "amina@example.org", "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")  # the browser was closed
    assert client.get("/account").status_code == 200
    client.post("/logout")
    assert client.get_cookie("remember_token") is None
    client.delete_cookie("session")
    assert client.get("/account").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user):
    """The login form does not tell a stranger which addresses have accounts."""
    make_user("amina@example.org")
    wrong = login(client, "amina@example.org", "not the password")
    unknown = login(client, "nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 400
    assert "The email address or password is not correct." in text(wrong)
    assert text(wrong).replace("amina@", "X@") == text(unknown).replace("nobody@", "X@")


def test_logout_is_post_only_and_needs_csrf(app_factory, make_user):
    """A link or image on another site cannot log people out."""
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 400 and "Please reload the page" in text(response)


def test_login_with_csrf_enabled_uses_the_token_from_the_form(app_factory):
    """With CSRF on, the login form carries a token and posting it works end to end."""
    import re
    app = app_factory(WTF_CSRF_ENABLED=True)
    from app.extensions import db
    from app.services import accounts
    with app.app_context():
        accounts.create_user(email="amina@example.org", password=PASSWORD, display_name="Amina", confirmed=True)
        db.session.commit()
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text(client.get("/login"))).group(1)
    assert client.post("/login", data={"email": "amina@example.org", "password": PASSWORD}).status_code == 400
    ok = client.post("/login", data={"email": "amina@example.org", "password": PASSWORD, "csrf_token": token})
    assert ok.status_code == 302


def test_login_starts_a_fresh_session(client, make_user):
    """Session fixation: whatever was in the session before logging in is gone after."""
    make_user("amina@example.org")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, "amina@example.org")
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith("1:")


@pytest.mark.parametrize("target, lands_on", [
    ("/drafts?page=2", "/drafts?page=2"),
    ("/account", "/account"),
    ("//evil.com", "/"),
    ("https://evil.com", "/"),
    ("http://localhost.evil.com/", "/"),
    ("/\\evil.com", "/"),
    ("\\\\evil.com", "/"),
    ("/\t/evil.com", "/"),
    ("javascript:alert(1)", "/"),
    ("", "/"),
])
def test_next_redirects_only_to_this_site(client, make_user, target, lands_on):
    """After logging in, `next` may only send the person to a page of this site."""
    make_user("amina@example.org")
    response = client.post("/login", data={"email": "amina@example.org", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


def test_login_page_keeps_next_from_the_address(client, make_user):
    """The "Log in" link carries the page the person was on; the form sends it back."""
    page = text(client.get("/login?next=/account"))
    assert 'name="next" type="hidden" value="/account"' in page


def test_unconfirmed_person_can_log_in_and_is_told_to_confirm(client, make_user):
    make_user("new@example.org", confirmed=False)
    page = client.post("/login", data={"email": "new@example.org", "password": PASSWORD}, follow_redirects=True)
    assert "your email address is not confirmed yet" in text(page)


def test_rate_limit_answers_429_with_a_clear_message(app_factory):
    """Guessing passwords is slowed down: the 11th try in a minute is refused."""
    client = app_factory(RATELIMIT_ENABLED=True).test_client()
    codes = [login(client, "amina@example.org", f"guess {i}").status_code for i in range(11)]
    assert codes[:10] == [400] * 10
    assert codes[10] == 429
    refused = login(client, "amina@example.org", "one more")
    assert "Too many requests. Please wait a little and try again." in text(refused)
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/login").status_code == 200  # reading the form is not limited


# --- sessions and links -----------------------------------------------------------------------

def test_logout_elsewhere_ends_other_sessions_only(app, make_user):
    """"Log out on every other device" ends the phone's session and keeps this one."""
    make_user("amina@example.org")
    phone, laptop = app.test_client(), app.test_client()
    login(phone, "amina@example.org"), login(laptop, "amina@example.org")
    laptop.post("/account/sessions")
    assert laptop.get("/account").status_code == 200
    assert phone.get("/account").status_code == 302


def test_change_password_needs_the_current_one(client, make_user):
    user_id = make_user("amina@example.org")
    wrong = client.post("/account/password", data={"current_password": "guess", "new_password": "new secret 1"})
    assert wrong.status_code == 302  # not logged in: sent to the login page
    login(client, "amina@example.org")
    wrong = client.post("/account/password", data={"current_password": "guess", "new_password": "new secret 1"})
    assert wrong.status_code == 400 and "This is not your current password." in text(wrong)
    ok = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "new secret 1"})
    assert ok.status_code == 302 and client.get("/account").status_code == 200
    client.post("/logout")
    assert login(client, "amina@example.org", "new secret 1").status_code == 302
    assert get_user(client.application, user_id).password_hash.startswith("scrypt:")


def _token(app, purpose, payload, age_seconds=0):
    """A token signed as the app would have signed it ``age_seconds`` ago."""
    from app.services import mail

    class Backdated(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - age_seconds

    with app.app_context():
        return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=mail._SALTS[purpose],
                                      signer=Backdated).dumps(payload)


@pytest.mark.parametrize("purpose, url, age, tamper, message", [
    ("confirm", "/confirm/{}", 8 * 86400, False, "This link has expired."),
    ("reset", "/password/reset/{}", 3 * 3600, False, "This link has expired."),
    ("confirm", "/confirm/{}", 0, True, "This link is not valid."),
    ("reset", "/password/reset/{}", 0, True, "This link is not valid."),
])
def test_expired_or_tampered_links_are_refused_clearly(app, make_user, purpose, url, age, tamper, message):
    from app.services import mail
    user_id = make_user("amina@example.org", confirmed=False)
    user = get_user(app, user_id)
    payload = {"uid": user_id, "email": user.email} if purpose == "confirm" else \
        {"uid": user_id, "pw": mail.password_fingerprint(user.password_hash)}
    token = _token(app, purpose, payload, age)
    if tamper:
        token = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    client = app.test_client()
    for method in (client.get, client.post):
        response = method(url.format(token), data={"password": "a new password"})
        assert response.status_code == 400 and message in text(response)
    after = get_user(app, user_id)
    assert after.password_hash == user.password_hash and after.email_confirmed_at is None


@pytest.mark.parametrize("path", ["/confirm/", "/password/reset/"])
@pytest.mark.parametrize("token", ["x", "a.b.c", "%00", "A" * 5000])
def test_garbage_links_are_not_valid(client, path, token):
    response = client.get(path + token)
    assert response.status_code == 400 and "This link is not valid." in text(response)


def test_a_confirm_link_is_not_a_reset_link(app, make_user):
    """Each purpose has its own salt: a confirmation token cannot reset a password."""
    user_id = make_user("amina@example.org")
    user = get_user(app, user_id)
    token = _token(app, "confirm", {"uid": user_id, "email": user.email})
    response = app.test_client().post(f"/password/reset/{token}", data={"password": "hijacked pw"})
    assert response.status_code == 400 and "This link is not valid." in text(response)


# --- settings ---------------------------------------------------------------------------------

def test_settings_change_name_and_time_zone(client, make_user, app):
    user_id = make_user("amina@example.org", name="Amina")
    login(client, "amina@example.org")
    page = text(client.get("/account"))
    assert '<optgroup label="Asia">' in page and 'value="Asia/Tashkent"' in page
    saved = client.post("/account", data={"display_name": "Amina K.", "timezone": "Asia/Samarkand"},
                        follow_redirects=True)
    assert "Your settings are saved." in text(saved) and "Amina K." in text(saved)
    assert get_user(app, user_id).timezone == "Asia/Samarkand"
    bad = client.post("/account", data={"display_name": "Amina", "timezone": "Mars/Olympus_Mons"})
    assert bad.status_code == 400 and "Not a valid choice" in text(bad)
    assert get_user(app, user_id).timezone == "Asia/Samarkand"


def test_forms_tie_labels_to_inputs_and_help_autofill(client):
    """Large-print, screen-reader and password-manager friendly: every input has a label and autocomplete."""
    page = text(client.get("/register"))
    for field_id, autocomplete in (("display_name", "name"), ("email", "email"), ("password", "new-password")):
        assert f'<label for="{field_id}">' in page
        assert f'autocomplete="{autocomplete}"' in page
        assert f'id="{field_id}"' in page


# --- hostile and broken input -----------------------------------------------------------------

BAD_REGISTRATIONS = [
    ({"display_name": "A" * 1_000_000}, "A name can be at most 80 characters long."),
    ({"email": "a" * 10_000 + "@example.org"}, "An email address can be at most 254 characters long."),
    ({"display_name": "Ami\x00na"}, "invisible control characters"),
    ({"email": "amina\x00@example.org"}, "invisible control characters"),
    ({"display_name": "Ami\x1bna"}, "invisible control characters"),
    ({"email": "not-an-address"}, "This does not look like an email address"),
    ({"email": "amina@localhost"}, "This does not look like an email address"),
    ({"password": "short"}, "between 8 and 1000 characters"),
    ({"password": "p" * 1001}, "between 8 and 1000 characters"),
    ({"display_name": "   "}, "Please enter a name."),
    ({"display_name": "", "email": "", "password": ""}, "Please choose a password."),
]


@pytest.mark.both_backends
@pytest.mark.parametrize("fields, message", BAD_REGISTRATIONS)
def test_bad_registrations_are_refused_clearly(app, client, fields, message):
    """Each bad field gets its own message next to it, a 400, and no account is made."""
    response = register(client, **fields)
    assert response.status_code == 400
    assert message in text(response)
    assert 'aria-invalid="true"' in text(response)
    assert count_users(app) == 0


def _multipart(fields: dict[str, bytes], boundary: str = "----muhokama") -> bytes:
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode() + v + b"\r\n"
             for k, v in fields.items()]
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


@pytest.mark.both_backends
def test_invalid_utf8_is_refused_not_a_500(app, client):
    """Bytes that are not UTF-8 (a broken phone keyboard, a hostile client) get a clear 400."""
    body = _multipart({"display_name": b"Ami\xff\xfena", "email": b"amina@example.org", "password": PASSWORD.encode()})
    response = client.post("/register", data=body, content_type="multipart/form-data; boundary=----muhokama")
    assert response.status_code == 400
    assert "characters that could not be read" in text(response)
    assert count_users(app) == 0


def test_invalid_utf8_in_a_urlencoded_form_is_kept_as_readable_text(app, client):
    """Werkzeug keeps undecodable bytes of a urlencoded form percent-quoted: readable, never a 500."""
    body = b"display_name=Ami%FF%FEna&email=amina%40example.org&password=correct+horse+battery"
    response = client.post("/register", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    from app.extensions import db
    from app.models import User
    with app.app_context():
        assert db.session.scalar(select(User.display_name)) == "Ami%FF%FEna"


@pytest.mark.both_backends
@pytest.mark.parametrize("url, data", [
    ("/login", {"email": "amina\x00@example.org", "password": PASSWORD}),
    ("/login", {"email": "amina@example.org", "password": "pass\x00word"}),
    ("/password/forgot", {"email": "amina\x00@example.org"}),
    ("/confirm/again", {"email": "amina\x00@example.org"}),
])
def test_nul_characters_never_reach_the_database(app, client, make_user, url, data):
    """PostgreSQL refuses NUL in text; the forms stop it first with a 400."""
    make_user("amina@example.org")
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "Something went wrong on our side" not in text(response)


@pytest.mark.both_backends
@pytest.mark.parametrize("name", [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "Robert'); DROP TABLE user_account;--",
    "' OR '1'='1",
    "Ғайрат Ўринов — Эркин",
])
def test_hostile_names_are_stored_literally_and_shown_escaped(app, client, name):
    """What a person types is kept exactly and can never run as HTML or SQL."""
    assert register(client, display_name=name).status_code == 200
    from app.extensions import db
    from app.models import User
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.display_name == name
        user.email_confirmed_at = user.created_at
        db.session.commit()
    page = text(client.post("/login", data={"email": "amina@example.org", "password": PASSWORD},
                            follow_redirects=True))
    assert "<script>alert" not in page and "<img src=x" not in page
    from markupsafe import escape
    assert str(escape(name)) in page


def test_hostile_email_is_escaped_on_the_sent_page(client):
    response = register(client, email="<b>x</b>@example.org")
    assert response.status_code == 400 and "<b>x</b>" not in text(response)


def test_oversized_requests_are_a_413(client):
    """More than 8 MB in all, or a form field over 2 MB, is refused before any parsing."""
    huge = register(client, display_name="A" * 9_000_000)
    big_field = client.post("/register", data=_multipart({"display_name": b"A" * 3_000_000}),
                            content_type="multipart/form-data; boundary=----muhokama")
    for response in (huge, big_field):
        assert response.status_code == 413
        assert "What you sent is too large." in text(response)
    assert count_users(client.application) == 0


def test_settings_need_a_login(client):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    assert client.post("/account/sessions").status_code == 302
