"""Sessions end when people end them: a session cookie copied before logging out or changing the
password no longer works, and the remember-me cookie is Secure when the session cookie is."""
from __future__ import annotations

from conftest import login

PASSWORD = "correct horse battery"


def _replay(app, cookie: str):
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def test_a_session_cookie_saved_before_logout_stops_working(app, client, make_user, make_draft):
    slug = make_draft()
    make_user("amina@example.org")
    login(client, "amina@example.org")
    saved = client.get_cookie("session").value
    assert _replay(app, saved).get("/account").status_code == 200
    client.post("/logout")
    thief = _replay(app, saved)
    assert thief.get("/account").status_code == 302
    assert thief.post(f"/drafts/{slug}/comments", data={"body": "posted after logout"}).status_code == 302
    assert "posted after logout" not in app.test_client().get(f"/drafts/{slug}/comments").get_data(as_text=True)


def test_a_password_change_ends_every_other_session(app, client, make_user):
    make_user("amina@example.org")
    login(client, "amina@example.org")
    saved = client.get_cookie("session").value
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "new secret 1"})
    assert response.status_code == 302 and client.get("/account").status_code == 200
    assert _replay(app, saved).get("/account").status_code == 302


def test_the_remember_cookie_is_secure_when_the_session_cookie_is(app_factory, make_user):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_the_remember_cookie_follows_an_insecure_session_cookie(app_factory):
    assert app_factory(SESSION_COOKIE_SECURE=False).config["REMEMBER_COOKIE_SECURE"] is False
