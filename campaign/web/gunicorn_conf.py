"""Gunicorn settings: `.venv/bin/gunicorn -c python:campaign.web.gunicorn_conf app:app`.

Two worker processes (PDF rendering is CPU-bound: parallelism is processes), a few threads each
for the cheap pages. Every setting can be overridden with GUNICORN_CMD_ARGS or the options
below from the environment.
"""

import os

bind = os.environ.get("CAMPAIGN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CAMPAIGN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("CAMPAIGN_THREADS", "4"))
timeout = 30  # a worker stuck longer than this (a runaway PDF render) is killed and replaced
graceful_timeout = 20
keepalive = 5
max_requests = 1000  # recycle workers now and then: bounds any slow leak
max_requests_jitter = 100  # ...but not all at the same moment

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
