"""The web app: the only part of campaign that knows Flask."""

from __future__ import annotations

import functools

from flask import Flask, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from campaign import editing, limits
from campaign.admission import Gate
from campaign.letters.render_pool import RenderPool
from campaign.site import Site
from campaign.storage import legacy
from campaign.storage.throttle import Throttle
from campaign.web import config, error_pages, guards, i18n
from campaign.web.public import campaign_page, forms
from campaign.web.resources import Resources

# A form post's duration before the first one is measured: a preview of the bundled eight
# letters takes 12 ms on a quiet machine, 0.1 to 0.3 s on a busy one.
FIRST_FORM_POST_GUESS_S = 0.05

csrf = CSRFProtect()
babel = Babel()


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app (the application factory)."""
    instance = config.instance_path(test_config)
    app = Flask(__name__, instance_path=str(instance), instance_relative_config=True)
    configure(app, test_config)
    i18n.compile_translations()
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    site = Site.at(
        app.config["RECIPIENTS"],
        app.config["TEMPLATES"],
        app.instance_path,
        app.config["DATABASE_URL"],
    )
    prepare_database(app, site)
    app.extensions["campaign.site"] = site
    editing.remove_leftovers(site)  # what saves killed mid-write left behind
    for note in editing.publishing.sync(site).notes:  # a save killed before its copy: completed
        app.logger.warning("%s", note)
    app.extensions["campaign.resources"] = Resources(site, app.config["PUBLISHED_POLL_S"])
    app.extensions["campaign.guards"] = make_guards(app, site)
    if app.config["TRUSTED_PROXIES"]:
        count = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
    install_hooks(app)
    error_pages.register(app)
    app.log_exception = functools.partial(error_pages.log_exception_without_message, app)  # type: ignore[method-assign]

    from campaign.web import admin, public

    app.register_blueprint(public.bp)
    guards.gate_form_posts(app)
    admin.init_app(app)

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Defaults, then instance/config.py, then the environment, then the test config."""
    app.config.from_mapping(config.DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config.from_environment())
    app.config.update(test_config or {})
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.secret_key(config.Path(app.instance_path))
    app.config["SESSION_COOKIE_SECURE"] = config.secure_cookies(app.config, app.debug)


def prepare_database(app: Flask, site: Site) -> None:
    """Before the first request: the schema upgraded, an old instance's files imported once.

    An unreachable database stops the start-up (DatabaseError, one line). An old file that
    cannot be imported is logged and the site starts without it: nothing of it is lost, and
    the next start, or `campaign db import`, tries it again.
    """
    database = site.connect_database(again=True)
    report = legacy.import_instance(database, site.instance, check_changes=False)
    for line in report.imported:
        app.logger.warning("database: imported %s", line)
    for problem in report.problems:
        app.logger.error("database: not imported: %s", problem)


def make_guards(app: Flask, site: Site) -> guards.Guards:
    """The limits per client (shared by every worker) and the PDF workers of this process."""
    settings = app.config
    throttle = Throttle(site.database, settings["SECRET_KEY"])
    app.extensions["campaign.throttle"] = throttle
    return guards.Guards(
        limiter=guards.Window(throttle, "pdf", settings["RATE_LIMIT"], settings["RATE_WINDOW_S"]),
        sent_limiter=guards.Window(
            throttle, "sent", settings["SENT_RATE_LIMIT"], settings["SENT_WINDOW_S"]
        ),
        renders=RenderPool(
            config.pdf_workers(settings),
            wait_s=settings["PDF_RENDER_WAIT_S"],
            deadline_s=settings["PDF_DEADLINE_S"],
            retry_after=settings["RETRY_AFTER_S"],
            max_waiting=settings["PDF_MAX_WAITING"],
        ),
        posts=Gate(
            settings["FORM_POSTS_AT_ONCE"],
            wait_s=settings["FORM_POST_WAIT_S"],
            max_waiting=settings["FORM_POSTS_WAITING"],
            retry_after=settings["RETRY_AFTER_S"],
            first_guess_s=FIRST_FORM_POST_GUESS_S,
        ),
        report_limiter=guards.Window(
            throttle, "report", settings["REPORT_RATE_LIMIT"], settings["REPORT_WINDOW_S"]
        ),
    )


def install_hooks(app: Flask) -> None:
    """Cross-site POSTs refused, the language cookie, the security headers, template helpers."""

    @app.before_request
    def refuse_cross_site_posts():
        # Browsers say where a request comes from; a form posted from another site is refused
        # even before the CSRF token is checked.
        if request.method == "POST" and request.headers.get("Sec-Fetch-Site") == "cross-site":
            raise CSRFError("cross-site request")

    @app.after_request
    def remember_language(response):
        chosen = i18n.requested_language()
        if chosen:
            response.set_cookie(
                app.config["LANG_COOKIE"],
                chosen,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                httponly=True,
                secure=app.config["SESSION_COOKIE_SECURE"],
            )
        return guards.add_security_headers(response)

    app.jinja_env.globals.update(
        ui_language=i18n.ui_language,
        switch_url=i18n.switch_url,
        long_date=i18n.long_date,
        language_names=i18n.LANGUAGE_NAMES,
        letter_in=forms.letter_in,
        translation_into=forms.translation_into,
        channel_label=forms.channel_label,
        report_label=forms.report_label,
        limits=limits.SENDER,
        letters_limit=limits.LETTERS_PER_REQUEST,
        office_names=lambda recipient: campaign_page.office(recipient, i18n.ui_language()),
    )
