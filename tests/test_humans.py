"""The public forms tell people from scripts offline: a honeypot, a minimum fill time, and a place
for a deployment's CAPTCHA."""
from __future__ import annotations

import re
import time

from markupsafe import Markup


def _started(client, url) -> str:
    return re.search(r'name="form_started" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def test_a_filled_honeypot_is_refused(client):
    response = client.post("/register", data={"display_name": "Bot", "email": "bot@example.org",
                                              "password": "long enough pw", "website": "http://spam"})
    assert response.status_code == 400 and "could not be accepted" in response.get_data(as_text=True)


def test_a_form_sent_too_fast_is_refused_and_a_patient_one_accepted(app, client, make_user, make_draft, login_as):
    slug = make_draft()
    login_as(client, make_user())
    app.config["MIN_FILL_SECONDS"] = 1
    started = _started(client, f"/drafts/{slug}/comments")
    fast = client.post(f"/drafts/{slug}/comments", data={"body": "quick", "form_started": started})
    assert fast.status_code == 400 and "very fast" in fast.get_data(as_text=True)
    assert client.post(f"/drafts/{slug}/comments", data={"body": "no time"}).status_code == 400
    time.sleep(1.1)
    assert client.post(f"/drafts/{slug}/comments", data={"body": "patient", "form_started": started}).status_code == 302


class AnswerYes:
    """A stand-in CAPTCHA plug-in: the form must carry captcha=yes."""

    def widget(self):
        return Markup('<input name="captcha" value="">')

    def verify(self, form, remote_addr):
        return form.get("captcha") == "yes"


def test_a_captcha_can_be_plugged_in(app, client):
    app.config["CAPTCHA"] = AnswerYes()
    assert 'name="captcha"' in client.get("/register").get_data(as_text=True)
    data = {"display_name": "Ann", "email": "ann@example.org", "password": "long enough pw"}
    refused = client.post("/register", data=data)
    assert refused.status_code == 400 and "check that you are a person" in refused.get_data(as_text=True)
    assert client.post("/register", data={**data, "captcha": "yes"}).status_code in (200, 302)
