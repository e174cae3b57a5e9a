"""Display names cannot mislead: no direction overrides or invisible characters, no copies of an
official's or an agency's name; staff are marked beside what they write."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Draft, User
from app.services import comments


@pytest.mark.parametrize("name", ["Ali\u202eevil", "Ali\u200bKarimov", "\u2066Ali", "Ali\ufeff", "Ali\u200d"])
def test_hidden_and_direction_characters_are_refused(client, name):
    response = client.post("/register", data={"display_name": name, "email": "a@example.org",
                                              "password": "long enough pw"})
    assert response.status_code == 400
    assert "invisible or direction-changing" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["Nodira Karimova", "NODIRA  karimova", "Ｎodira Karimova", "Ministry of Culture",
                                  "ministry of culture press office"])
def test_names_of_officials_and_agencies_are_refused(client, make_user, name):
    make_user(role="staff", agency="Ministry of Culture", name="Nodira Karimova")
    response = client.post("/register", data={"display_name": name, "email": "b@example.org",
                                              "password": "long enough pw"})
    assert response.status_code == 400
    assert "belongs to an official or an agency" in response.get_data(as_text=True)


def test_an_official_keeps_their_own_name_and_is_marked(app, client, make_user, make_draft, login_as):
    slug = make_draft()
    staff = make_user(role="staff", agency="Ministry of Culture", name="Nodira Karimova")
    login_as(client, staff)
    assert client.post("/account", data={"display_name": "Nodira Karimova", "timezone": ""}).status_code == 302
    with app.app_context():
        draft = db.session.scalar(select(Draft).where(Draft.slug == slug))
        comments.add_comment(db.session.get(User, staff), draft, body="We will read everything.")
        db.session.commit()
    page = app.test_client().get(f"/drafts/{slug}/comments").get_data(as_text=True)
    assert "Staff of an agency" in page
