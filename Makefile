# Two commands on a fresh machine: `make run` serves the portal with demo data,
# `make test` runs the whole suite. Both create .venv and start the project's own
# PostgreSQL (var/pgdata) unless DATABASE_URL points elsewhere.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ADDRPORT ?= 127.0.0.1:8000

.PHONY: setup gettext run test lint format migrate stop db-status collectstatic messages untranslated bench bench-one scale-db browser backup restore wrk lighthouse soak

# Quiet: pip says nothing unless something fails (-qq keeps errors only).
$(STAMP): requirements.txt requirements-dev.txt
	@echo "Installing the requirements into $(VENV)…"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -qq --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

setup: $(STAMP)

# GNU gettext: `make messages` and the suite's catalogue check (tests/test_translations.py)
# extract messages with Django's makemessages, which runs xgettext and msgmerge. Installed
# with apt when missing (CI is a fresh Debian machine, as root); the portal itself reads
# only the committed .mo files.
gettext:
	@command -v xgettext >/dev/null 2>&1 && command -v msgmerge >/dev/null 2>&1 || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gettext; }

# migrate's list of applied migrations goes to var/log/migrate.log; one line here.
migrate: setup
	@mkdir -p var/log
	@echo "Migrating the database (the first run also creates it)…"
	@$(PY) manage.py migrate --noinput > var/log/migrate.log || { tail -n 3 var/log/migrate.log; exit 1; }
	@echo "Database up to date: $$(grep -c '^  Applying' var/log/migrate.log) migrations applied (var/log/migrate.log)."

# A short console: the task cluster's log and the e-mails go to var/log/ (see rundev);
# the last lines, once the web server answers, give the address and the demo accounts.
run: migrate
	@$(PY) manage.py seed_demo --no-account-list
	@$(PY) manage.py rundev $(ADDRPORT)

# The browser tests (tests/e2e) drive Debian's chromium through Playwright; the browser comes
# from apt, never from Playwright's own download, with a CJK font so the screenshots show
# Chinese rather than boxes. CI runs as root; elsewhere sudo is used. apt may be busy: retried.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@if ! command -v chromium >/dev/null || ! fc-list :lang=zh | grep -q .; then \
		for attempt in 1 2 3 4 5 6; do \
			$(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q \
				--no-install-recommends chromium fontconfig fonts-wqy-microhei && break; \
			echo "apt busy or failed (attempt $$attempt), retrying in 20 s"; sleep 20; \
		done; \
	fi
	@command -v chromium >/dev/null

# The suite runs on every core with pytest-xdist: each worker has its own test database
# (test_qinqing_gw0, test_qinqing_gw1, …) and takes the next test when it is free
# (worksteal: the few long tests do not leave a core idle at the end).
# `make test TEST_WORKERS=0` runs it in one process; PYTEST_ARGS go to pytest as they are.
# Bytecode caches (__pycache__, git-ignored) are written even when the caller's environment
# sets PYTHONDONTWRITEBYTECODE: without them every worker, and every qcluster and manage.py
# the tests start, compiles (and pytest assertion-rewrites) each module again, seconds apiece.
TEST_WORKERS ?= auto
test: setup gettext browser
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# mypy's Django plugin imports the settings: a DATABASE_URL (never connected to) keeps them
# from starting the embedded PostgreSQL. What is checked is [tool.mypy] in pyproject.toml.
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=postgres://typecheck@localhost/typecheck $(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Back up / restore the database (pg_dump / pg_restore, custom format). Uses the
# embedded server's programs when DATABASE_URL is unset.
#   make backup [BACKUP_FILE=var/backups/x.dump]
#   make restore BACKUP_FILE=var/backups/x.dump [CONFIRM=yes]
backup: setup
	$(PY) manage.py backup_db $(if $(BACKUP_FILE),--output $(BACKUP_FILE))

restore: setup
	@test -n "$(BACKUP_FILE)" || (echo "usage: make restore BACKUP_FILE=path/to/file.dump [CONFIRM=yes]"; exit 2)
	$(PY) manage.py restore_db $(BACKUP_FILE) $(if $(filter yes,$(CONFIRM)),--noinput)

collectstatic: setup
	$(PY) manage.py collectstatic --noinput

stop: setup
	$(PY) -m portal.embedded_db stop

db-status: setup
	$(PY) -m portal.embedded_db status

# Regenerate the catalogues after changing user-facing text: locale/en and locale/zh_Hant
# from the zh-hans source. New traditional-Chinese entries are filled by OpenCC; English
# is left to a person: `make untranslated` lists what is missing; fill locale/en/
# LC_MESSAGES/django.po, then run `make messages` again to compile. The .mo files are
# committed.
messages: setup gettext
	$(PY) manage.py update_catalogues

untranslated: setup
	$(PY) manage.py untranslated

# Benchmarks (not part of `make test`): a separate database per profile on the project's
# server (or BENCH_DATABASE_URL), filled once by generate_scale_data; then the suite in bench/
# prints its table. Two profiles (issue #20): province — 1+11+90 regions, 46,000 policies by
# level, 1,200,000 enterprises, a year of 1,000,000 cases (qinqing_province); stress — the lax
# catalogue where any policy may reach any firm, 1,000,000 enterprises, 50,000 policies
# (qinqing_scale, also the soak's). `make bench` runs both; BENCH_PROFILE=province runs one;
# BENCH="b1 b2" runs only those rows.
BENCH_PROFILE ?= stress
BENCH_PROFILES ?= province stress
SCALE_ARGS_stress = --profile stress --enterprises 1000000 --policies 50000 --cases 1000000 --roundtables 600 --seed 1
SCALE_ARGS_province = --profile province --seed 1
SCALE_DB_stress = qinqing_scale
SCALE_DB_province = qinqing_province
SCALE_ARGS ?= $(SCALE_ARGS_$(BENCH_PROFILE))
BENCH_ENV = BENCH_PROFILE=$(BENCH_PROFILE) $(if $(BENCH_DATABASE_URL),DATABASE_URL=$(BENCH_DATABASE_URL),EMBEDDED_DATABASE_NAME=$(SCALE_DB_$(BENCH_PROFILE)))

scale-db: setup
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) manage.py shell -c "from portal.models import Enterprise; raise SystemExit(0 if Enterprise.objects.exists() else 1)" \
		|| $(BENCH_ENV) $(PY) manage.py generate_scale_data $(SCALE_ARGS)

# wrk (B3's load tool) comes from Debian; apt may be busy for a moment, so retry.
wrk:
	@command -v wrk >/dev/null || for attempt in 1 2 3 4 5; do \
		(apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)) && break; sleep 10; done
	@command -v wrk >/dev/null

# One profile when BENCH_PROFILE is given on the command line, else both.
bench: wrk
	@for profile in $(if $(filter command line,$(origin BENCH_PROFILE)),$(BENCH_PROFILE),$(BENCH_PROFILES)); do \
		echo "== profile $$profile"; \
		$(MAKE) --no-print-directory scale-db BENCH_PROFILE=$$profile || exit 1; \
		$(MAKE) --no-print-directory bench-one BENCH_PROFILE=$$profile || exit 1; \
	done

bench-one:
	$(BENCH_ENV) $(PY) bench/run.py $(BENCH)

# The soak with faults under load (issue #19; not part of `make test`): locust drives gunicorn
# (4 workers) and a qcluster on the scale database for SOAK_SECONDS (600) while PostgreSQL is
# restarted and a worker and the cluster are SIGKILLed; then bench/soak/run.py proves from the
# logs and the database that nothing was lost or doubled, writes the Soak section of
# bench/RESULTS.md and fails when a check fails. SOAK_SECONDS=120 for a short rehearsal.
soak: scale-db
	$(BENCH_ENV) $(PY) bench/soak/run.py

# Lighthouse on four public pages, served with the production settings (gunicorn, collected
# static files) against the demo data; writes bench/lighthouse/scores.md and fails under 95.
# Lighthouse comes from npm into bench/lighthouse/node_modules (git-ignored), the browser
# from apt. LIGHTHOUSE_ARGS="--runs 3 --mobile-only --port 8023" go to the script.
lighthouse: migrate browser
	@$(PY) bench/lighthouse/run.py $(LIGHTHOUSE_ARGS)
