# `make run` and `make test` set themselves up on a fresh machine: system packages with
# apt-get when missing, Python packages into .venv. Nothing else is downloaded.
VENV := .venv
PY := $(VENV)/bin/python
# The interpreter the venv is made from. Debian's own (`make PYTHON=/usr/bin/python3 setup` on
# a fresh clone; it needs python3-venv) is not linked through libpython.so and renders PDFs
# with less CPU than a --enable-shared build: see benchmarks/RESULTS.md.
PYTHON ?= python3
STAMP := $(VENV)/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# HarfBuzz subsetting makes each PDF ~4x faster; PT Serif covers Latin, Cyrillic and Kazakh;
# chromium drives the browser tests; poppler-utils gives pdftoppm to look at the PDFs;
# zbar-tools gives zbarimg, which the tests use to scan the event kit's QR code back;
# postgresql: the tests start a throwaway server of their own (tests/databases.py).
APT_PACKAGES := libharfbuzz-subset0 fonts-paratype chromium poppler-utils postgresql zbar-tools

# nginx balances several instances (deploy/nginx.conf), as its tests and `make loadtest` do.
APT_PACKAGES += nginx

.PHONY: run serve test bench loadtest lint system setup clean translations

run: setup
	$(VENV)/bin/campaign check
	@echo "Serving the campaign at http://127.0.0.1:5000 (Ctrl-C to stop)"
	$(VENV)/bin/flask --app app run --host 127.0.0.1 --port 5000

# One test process a core (pytest-xdist): the suite waits on servers, browsers and fsyncs as
# much as it computes; on two cores 9.5 minutes against 16.5 in one process.
test: setup
	$(PY) -m pytest --numprocesses auto

# Production: gunicorn with the config in the repository (2 workers; see the README).
serve: setup
	$(VENV)/bin/gunicorn -c python:campaign.web.gunicorn_conf app:app

# For translators: collect new strings, then merge them into the it and ru catalogues.
translations: setup
	$(VENV)/bin/pybabel extract -F campaign/web/babel.cfg -k _l -o campaign/web/translations/messages.pot campaign/web
	$(VENV)/bin/pybabel update -i campaign/web/translations/messages.pot -d campaign/web/translations

bench: setup
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/batch_bench.py

# 50 supporters for 60 s on two instances, directly, behind nginx, and with workers killed
# (about 6 minutes; benchmarks/journey.py --help for the options, e.g. --database-url).
loadtest: setup
	$(PY) benchmarks/journey.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

setup: system $(STAMP)

system:
	@missing=$$(for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
