"""Gunicorn settings: `.venv/bin/gunicorn -c python:campaign.web.gunicorn_conf app:app`.

Two worker processes of 16 threads each (gthread). PDFs are made in warm worker processes of
each web process (campaign.letters.render_pool), so a web thread only waits for one. Every
setting can be overridden with GUNICORN_CMD_ARGS, or with the variables below.

How long anything may take, shortest first:

- PDF_RENDER_WAIT_S (1 s) + PDF_DEADLINE_S (15 s) in the app's config: the longest a PDF
  request legitimately runs is about 16 s (then 503 with Retry-After, or the PDF);
- graceful_timeout (25 s): a restart, a stop or a recycle lets requests finish this long;
- CAMPAIGN_REQUEST_DEADLINE_S (30 s): a request still running after this is stuck, and the
  watchdog (campaign.web.watchdog) ends its worker;
- timeout (30 s): a worker whose main loop stopped this long (the whole process frozen) is
  killed by the arbiter.
"""

import os
import signal

from campaign.web import watchdog, whole_responses

# Headers and body leave in one write, so a worker killed mid-answer leaves no half answer
# (a truncated download nginx could not send again), see campaign.web.whole_responses.
whole_responses.install()

bind = os.environ.get("CAMPAIGN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CAMPAIGN_WORKERS", "2"))
worker_class = "gthread"
# 16 threads: a PDF request holds its thread while it waits for the process's render worker
# (up to PDF_RENDER_WAIT_S), and a form post while it waits for its turn, so a worker needs
# more threads than those may hold (11, below), or its pages queue behind them. With 10
# clients flooding PDFs, GET / p99 was 0.8 to 3.2 s with 4 threads; with 8, 13 to 20 ms in some
# runs but 0.8 and 2.4 s in others; with 16, 15 to 25 ms in every run (benchmarks/RESULTS.md).
# A thread waiting for a render costs next to nothing: the render runs in another process.
threads = int(os.environ.get("CAMPAIGN_THREADS", "16"))
keepalive = 5

# Where requests queue, and each bound (a full server says so within about a second):
# 1. the kernel's backlog of connections no worker has accepted yet. A gthread worker accepts
#    at once while it holds fewer than worker_connections, so connections wait here only
#    while every worker is full or none runs (killed or restarting: 1 to 3 s). 256 is about a
#    second of a surge; beyond it the kernel drops new connection attempts, and the client
#    tries again (a browser after 1 s; nginx at once on the other instance, deploy/nginx.conf).
backlog = 256
# 2. accepted connections waiting in a worker for one of its threads: at most
#    worker_connections - threads (kept-alive idle connections count too, but wait for
#    nothing). Requests there wait only behind pages of a few ms, because
# 3. the slow requests queue in the app, each within its own bound, on at most 11 threads:
#    PDFs at the render pool (4 waiting + 1 rendering, PDF_MAX_WAITING) and the other form
#    posts at their gate (4 waiting + 2 working, FORM_POSTS_AT_ONCE), both 503 past about a
#    second (campaign.admission). So 184 waiting (200 - 16) drain in about a second, and past
#    184 idle kept-alive connections a worker closes each after its answer (gthread's rule).
worker_connections = 200

# With gthread, the arbiter's timeout only watches the worker's main loop, which beats every
# second whatever the request threads do: it fires when the whole process is frozen (a C
# library holding the GIL, a worker that cannot finish booting), never for one stuck request.
# 30 s leaves room for a boot on a busy machine (the app and the warm-up below: 1 to 3 s).
timeout = 30
# A stop, a restart (SIGHUP) or a recycle (max_requests) lets the requests in progress finish
# this long before the worker is killed: longer than the longest legitimate request (a PDF:
# 1 s wait for a render worker + 15 s render deadline), shorter than the request deadline.
graceful_timeout = 25
# Recycle a worker after about 10,000 requests, bounding any slow leak of the web process and
# of its render worker (which ends with it); the jitter keeps the two workers from recycling at
# the same moment. Not sooner: memory is flat (a web worker grew 2 MB over 10,000 pages and 2-3
# MB over 300 PDFs), and a recycle under load costs a boot and a cold first PDF: with 1,000,
# the loadtest's 2,000 GET / recycled both workers and served 450 pages/s instead of 760-900.
# A fresh worker is warm before its first connection (post_worker_init below).
max_requests = 10_000
max_requests_jitter = 1_000

# A request running longer than this is stuck: the watchdog logs its method and path and ends
# the worker (0: no watchdog). See campaign.web.watchdog.
request_deadline_s = watchdog.deadline_from(os.environ)

# Limits on the request line and headers (the body is limited by the app: 413).
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# Access log to stdout: time, method, path WITHOUT the query string, status, size, duration.
# No client address: a supporter's IP next to "POST /letters.pdf" would say who wrote.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "campaign"
# Gunicorn 27's runtime control socket (under ~/.gunicorn) is not needed: signals suffice.
control_socket_disable = True

# Pages served once inside each new worker before it accepts a connection: the first supporter
# after a boot, a recycle or a replacement does not wait for the campaign to load (0.2 s on a
# quiet machine, up to 1.5 s on a busy one).
WARM_UP_PATHS = ("/", "/write")


def on_starting(server):
    """In the arbiter, before any worker: tell the app how many web processes share the cores,
    so that each starts its share of PDF workers (the app's WEB_PROCESSES)."""
    os.environ.setdefault("CAMPAIGN_WEB_PROCESSES", str(server.cfg.workers))


def post_worker_init(worker):
    """In each new worker, before its first connection: warm it up, start its watchdog."""
    warm_up(worker)
    start_pdf_workers(worker)
    if not request_deadline_s:
        return
    settings = getattr(worker.wsgi, "config", {})
    longest = settings.get("PDF_RENDER_WAIT_S", 0) + settings.get("PDF_DEADLINE_S", 0)
    if request_deadline_s <= longest:
        worker.log.warning(
            "%s=%g s is not above the longest PDF request (%g s): PDFs will end workers",
            watchdog.VARIABLE,
            request_deadline_s,
            longest,
        )
    worker.campaign_watchdog = watchdog.Watchdog(
        request_deadline_s,
        grace_s=worker.cfg.graceful_timeout,
        log=worker.log.critical,
        stop=lambda: os.kill(os.getpid(), signal.SIGTERM),  # gunicorn's graceful stop
        end=watchdog.end_process,
        connections=lambda: worker.nr_conns,
    )
    worker.campaign_watchdog.start()


def pre_request(worker, req):
    """A request thread starts a request: the watchdog notes when (req.path has no query)."""
    dog = getattr(worker, "campaign_watchdog", None)
    if dog is not None:
        dog.started(req.method, req.path)


def post_request(worker, req, environ, resp):
    """The request thread is done (also after an error)."""
    dog = getattr(worker, "campaign_watchdog", None)
    if dog is not None:
        dog.finished()


def warm_up(worker):
    """GET each of WARM_UP_PATHS once through the app itself; a failure is logged, not fatal."""
    from werkzeug.test import EnvironBuilder

    for path in WARM_UP_PATHS:
        answers: list[str] = []

        def start_response(status, headers, exc_info=None, answers=answers):
            answers.append(status)
            return lambda data: None

        try:
            body = worker.wsgi(EnvironBuilder(path=path).get_environ(), start_response)
            try:
                for _ in body:
                    pass
            finally:
                if hasattr(body, "close"):
                    body.close()
        except Exception as error:
            worker.log.warning("warm-up: GET %s failed (%s)", path, type(error).__name__)
            continue
        if not answers or not answers[0].startswith("200"):
            worker.log.warning("warm-up: GET %s answered %s", path, answers[:1])


def start_pdf_workers(worker):
    """The app's PDF workers started and warm (about 1 s), so that the first PDF after a boot
    takes no longer than the next; a failure is logged, not fatal (they start on first use)."""
    try:
        worker.wsgi.extensions["campaign.guards"].renders.start()
    except Exception as error:
        worker.log.warning("warm-up: the PDF workers did not start (%s)", type(error).__name__)
