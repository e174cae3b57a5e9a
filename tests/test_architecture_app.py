"""Structure guards for the web layer."""
import re

from conftest import REPO


def test_every_post_form_in_templates_carries_a_csrf_token():
    for path in (REPO / "templates").rglob("*.html"):
        html = path.read_text()
        for form in re.findall(r"<form[^>]*method=\"post\"[^>]*>.*?</form>", html, flags=re.S | re.I):
            assert "csrf_token" in form or "hidden_tag()" in form, f"{path.name}: a POST form without CSRF token"
