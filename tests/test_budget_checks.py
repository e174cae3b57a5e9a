"""The initiative budget's checks against bought and bot votes: the SMS gateway's HTTP backend and
the staff's anomaly report."""
from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import BudgetPhone, BudgetProject, BudgetRound, BudgetVoter, User
from app.services import budget, budget_anomalies, budget_mahallas, budget_photos, sms
from app.services.rules import RuleError


@pytest.fixture
def gateway():
    """A tiny SMS provider: records what it is sent; answers with ``status`` (a list, to change)."""
    received, status = [], [200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], json.loads(body)))
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send", received, status
    server.shutdown()
    server.server_close()


def test_the_http_backend_posts_to_the_provider_and_a_failure_is_a_clear_502(app_factory, gateway, make_user):
    url, received, status = gateway
    app = app_factory(SMS_BACKEND="http", SMS_HTTP_URL=url, SMS_HTTP_TOKEN="secret")
    from conftest import login

    from app.services import accounts
    with app.app_context():
        accounts.create_user(email="a@example.org", password="long enough password", display_name="A",
                             confirmed=True)
        db.session.commit()
    client = app.test_client()
    login(client, "a@example.org", "long enough password")
    assert client.post("/budget/phone", data={"phone": "+998 93 000 00 01"}).status_code == 302
    auth, body = received[-1]
    assert auth == "Bearer secret" and body["to"] == "+998930000001" and "Muhokama" in body["text"]
    status[0] = 500
    r = client.post("/budget/phone", data={"phone": "+998 93 000 00 01"})
    assert r.status_code == 502 and "could not be sent" in r.get_data(as_text=True)


def test_an_unknown_backend_is_an_error(app):
    with app.app_context():
        app.config["SMS_BACKEND"] = "carrier-pigeon"
        with pytest.raises(sms.SMSError):
            sms.send_sms("+998900000000", "hi")


def test_phone_runs_find_sequences_of_bought_sim_cards():
    numbers = [f"+99890000{n:04d}" for n in (1, 2, 4, 5, 7, 100, 200, 201)]
    assert budget_anomalies.phone_runs(numbers) == [[f"+99890000{n:04d}" for n in (1, 2, 4, 5, 7)]]
    assert budget_anomalies.phone_runs(numbers[:4]) == []


def test_the_anomaly_report_names_what_staff_should_look_into(app, make_user):
    now = datetime.now(UTC)
    with app.app_context():
        r = budget.create_round(None, title="Round", district="D", envelope=10**9,
                                voting_opens=now - timedelta(days=1), voting_closes=now + timedelta(days=1))
        project = BudgetProject(round_id=r.id, title="School", mahalla="Bahor", cost=10, status="eligible")
        db.session.add(project)
        budget_mahallas.set_residents(None, r, "BAHOR ", 3)
        db.session.commit()
        rid, pid = r.id, project.id
    ids = [make_user() for _ in range(8)]
    from app.services import budget_ballots
    with app.app_context():
        r = db.session.get(BudgetRound, rid)
        project = db.session.get(BudgetProject, pid)
        for n, uid in enumerate(ids):
            db.session.add(BudgetPhone(user_id=uid, number=f"+9989000000{n:02d}", confirmed_at=now))
            budget_ballots.cast(db.session.get(User, uid), r, project, address="203.0.113.7")
        db.session.commit()
        kinds = {f.kind: f for f in budget_anomalies.report(r)}
    assert kinds["address"].subject == "203.0.113.7" and kinds["address"].count == 8
    assert kinds["phones"].count == 8
    assert kinds["new_accounts"].count == 8  # the accounts were made seconds before voting
    assert kinds["over_residents"].count == 8 and kinds["over_residents"].limit == 3
    assert "burst" not in kinds and "network" not in kinds
    with app.app_context():
        assert db.session.scalar(select(BudgetVoter.network).limit(1)) == "203.0.113.0/24"


def _jpeg_with_location(size=(3000, 2000)) -> bytes:
    """A camera-sized JPEG carrying EXIF data (as phones write the place a photo was taken)."""
    import io

    from PIL import Image
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make; GPS tags would sit in the same block
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_photos_are_reencoded_small_without_metadata_and_only_the_right_people_add_them(app_factory, tmp_path):
    import io

    from conftest import login
    from PIL import Image

    from app.services import accounts
    app = app_factory(BUDGET_PHOTO_DIR=str(tmp_path / "photos"))
    now = datetime.now(UTC)
    with app.app_context():
        for email, role, agency in [("r@example.org", "citizen", None), ("s@example.org", "staff", "D")]:
            accounts.create_user(email=email, password="long enough password", display_name=email, role=role,
                                 agency_name=agency, confirmed=True)
        r = budget.create_round(None, title="Round", district="D", envelope=10**9,
                                voting_opens=now + timedelta(days=30), voting_closes=now + timedelta(days=40))
        slug = r.slug
        db.session.commit()
    resident = app.test_client()
    login(resident, "r@example.org", "long enough password")
    form = {"title": "Bridge", "mahalla": "Bahor", "category": "roads", "cost": "1000"}
    bad = resident.post(f"/budget/{slug}/propose", data={**form, "photo": (io.BytesIO(b"GIF89a not a photo"), "x.gif")},
                        content_type="multipart/form-data")
    assert bad.status_code == 400 and "JPEG, PNG or WebP" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(BudgetProject.id)) is None  # nothing half-saved
    ok = resident.post(f"/budget/{slug}/propose", data={**form, "photo": (io.BytesIO(_jpeg_with_location()), "p.jpg")},
                       content_type="multipart/form-data")
    assert ok.status_code == 302
    page = resident.get(ok.location).get_data(as_text=True)
    src = re.search(r'src="(/budget/photos/[0-9a-f]{64}\.jpg)"', page).group(1)
    with resident.get(src) as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        data = served.data
    with Image.open(io.BytesIO(data)) as image:
        assert max(image.size) == 1280 and not image.getexif()
    assert resident.get("/budget/photos/../../secret_key").status_code == 404
    with app.app_context():
        project = db.session.scalar(select(BudgetProject))
        round_ = db.session.scalar(select(BudgetRound))
        staff = db.session.scalar(select(User).where(User.email == "s@example.org"))
        with pytest.raises(RuleError):  # staff add photos of the work, not of someone's proposal
            budget_photos.add_photo(staff, round_, project, _jpeg_with_location((10, 10)), kind="proposal")
        resident_user = db.session.scalar(select(User).where(User.email == "r@example.org"))
        with pytest.raises(RuleError):
            budget_photos.add_photo(resident_user, round_, project, _jpeg_with_location((10, 10)),
                                    kind="implementation")
