"""Every form that changes something refuses a request without a CSRF token."""
import pytest


@pytest.fixture
def csrf_app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


def test_every_post_endpoint_refuses_a_missing_csrf_token(csrf_app, make_user):
    client = csrf_app.test_client()
    rules = [r for r in csrf_app.url_map.iter_rules() if "POST" in r.methods and not r.rule.startswith("/api/")]
    assert len(rules) >= 5
    for rule in rules:
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        r = client.post(url, data={"body": "hi", "email": "a@example.org", "password": "x" * 10})
        assert r.status_code == 400, f"{rule.rule} accepted a POST without a CSRF token"
        assert "expired or was not sent from this site" in r.get_data(as_text=True)
