"""The web app: the only part of campaign that knows Flask."""

from __future__ import annotations

from flask import Flask


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app (the application factory)."""
    app = Flask(__name__, instance_relative_config=True)
    if test_config:
        app.config.update(test_config)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app
