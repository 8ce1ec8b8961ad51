# Two commands on a fresh machine: `make run` serves the portal with demo data,
# `make test` runs the whole suite. Both create .venv and start the project's own
# PostgreSQL (var/pgdata) unless DATABASE_URL points elsewhere.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
ADDRPORT ?= 127.0.0.1:8000

.PHONY: setup run test lint format migrate stop db-status collectstatic messages bench scale-db backup restore

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py rundev $(ADDRPORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

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

# Refresh the English catalogue after changing user-facing text (needs GNU gettext;
# the compiled .mo files are committed so nobody else needs it).
messages: setup
	$(PY) manage.py makemessages -l en -i ".venv/*" -i "var/*" -i "static/*" -i "tests/*" --no-location
	$(PY) manage.py compilemessages -l en --ignore ".venv/*"

# Benchmarks (not part of `make test`): a separate database, qinqing_scale, on the
# project's server (or BENCH_DATABASE_URL), filled once by generate_scale_data; then
# the suite in bench/ prints its table. BENCH="b1 b2" runs only those rows.
SCALE_ARGS ?= --enterprises 1000000 --policies 50000 --cases 1000000 --seed 1
BENCH_ENV = $(if $(BENCH_DATABASE_URL),DATABASE_URL=$(BENCH_DATABASE_URL),EMBEDDED_DATABASE_NAME=qinqing_scale)

scale-db: setup
	$(BENCH_ENV) $(PY) manage.py migrate --noinput -v0
	$(BENCH_ENV) $(PY) manage.py shell -c "from portal.models import Enterprise; raise SystemExit(0 if Enterprise.objects.exists() else 1)" \
		|| $(BENCH_ENV) $(PY) manage.py generate_scale_data $(SCALE_ARGS)

bench: scale-db
	$(BENCH_ENV) $(PY) bench/run.py $(BENCH)
