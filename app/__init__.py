"""The Muhokama web application."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from app import config as config_module
from app.extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure an instance of the Flask application."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance"))
    app.config.update(config_module.DEFAULTS)
    if test_config is None:
        app.config.update(config_module.from_env())
    else:
        app.config.update(test_config)
    Path(app.instance_path).mkdir(exist_ok=True)
    if app.config.get("PROXY_COUNT"):
        # Behind nginx: trust that many proxies for the client address (rate limits, logs).
        from werkzeug.middleware.proxy_fix import ProxyFix
        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    logging.basicConfig(level=logging.INFO)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from app import i18n
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)

    from app.database import configure_engine
    with app.app_context():
        configure_engine(db.engine)

    from app import accounts, api, errors, reading, participation, staff, templating
    templating.init_app(app)
    errors.init_app(app)
    from app import security
    security.init_app(app)
    app.register_blueprint(accounts.bp)
    app.register_blueprint(reading.bp)
    app.register_blueprint(participation.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(api.bp)
    from app import history, revise
    app.register_blueprint(history.bp)
    app.register_blueprint(history.api_bp)
    app.register_blueprint(revise.bp)
    from app import amend, review
    app.register_blueprint(amend.bp)
    app.register_blueprint(review.bp)
    from app.search_views import bp as search_bp  # /search, /api/v1/search, `flask search ...`
    app.register_blueprint(search_bp)

    from app import cli
    cli.init_app(app)
    return app
