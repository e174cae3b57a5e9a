"""The Muhokama web application."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import cli, compression, errors, i18n, security, templating, views
from app import config as config_module
from app.database import configure_engine
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.search import outbox

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an instance of the Flask application."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance"))
    app.config.update(config_module.DEFAULTS)
    app.config.update(config_module.from_env() if test_config is None else test_config)
    # the remember-me cookie is as private as the session cookie
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        # Behind nginx: trust that many proxies for the client address (rate limits, logs).
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    logging.basicConfig(level=logging.INFO)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    compression.init_app(app)
    with app.app_context():
        configure_engine(db.engine, app.config.get("SQLITE_BUSY_TIMEOUT_MS", 10_000),
                         app.config.get("DB_PING_AFTER_IDLE_SECONDS", 30.0))

    templating.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    views.register(app)
    # Bring the search index up to date with what a request committed, if no one else is writing.
    app.after_request(outbox.after_request)
    cli.init_app(app)
    return app
