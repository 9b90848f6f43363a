# Two commands set up a fresh machine:
#   make run   - install, migrate, load the demo content, serve on http://127.0.0.1:8000/ (SQLite;
#                make run HOST=... PORT=... to serve elsewhere)
#   make test  - install and run the whole test suite (SQLite; set DATABASE_URL for PostgreSQL)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install migrate demo lint format lock deploy-check bench faults clean

# The developers' lock: the site's packages (requirements.lock, what production installs)
# and the dev tools. Reinstall only when it changes.
$(BIN)/.installed: requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.lock
	touch $@

# axe-core for the browser tests' accessibility checks: only where npm is, and again
# only when the npm lock changes. Without it those checks skip, saying why.
node_modules/.installed: package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund && touch $@; \
	else \
	  echo "npm not found: axe-core not installed; the accessibility tests will skip."; \
	fi

install: $(BIN)/.installed node_modules/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

# The demo's addresses, emails and PDFs name the host and port the site is served on.
# HOST=0.0.0.0 (every interface) is opened as localhost.
SITE_URL = http://$(if $(filter 0.0.0.0 [::],$(HOST)),localhost,$(HOST)):$(PORT)

demo: migrate
	$(BIN)/python manage.py load_demo --host $(HOST) --port $(PORT)

run: demo
	WAGTAILADMIN_BASE_URL=$(SITE_URL) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Rewrite both locks from pyproject.toml (then commit all three): production's, then the
# developers', constrained by production's so every package they share has one version.
COMPILE := $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links
lock: install
	$(COMPILE) -o requirements.lock pyproject.toml
	$(COMPILE) --extra dev -c requirements.lock -o requirements-dev.lock pyproject.toml

# Every benchmark in bench/, each run as a module (`python -m bench.<name>`) printing its
# figures; not faults.py: see below.
BENCHES := import_roster tally close_count vote_burst poll_state public_page member_pages page_weight two_servers
bench: install
	for name in $(BENCHES); do $(BIN)/python -m bench.$$name || exit 1; done

# Two app servers sharing one database, then faults in vote bursts. faults.py STOPS AND
# RESTARTS the PostgreSQL server (root or the cluster's owner): never beside other work.
faults: install
	$(BIN)/python -m bench.two_servers
	$(BIN)/python -m bench.faults

# The production settings' own checks, with throw-away values for the secrets.
deploy-check: install
	DJANGO_SETTINGS_MODULE=cms.settings.production SECRET_KEY=$$(head -c 48 /dev/urandom | base64) \
	  ALLOWED_HOSTS=members.northwind.example DATABASE_URL=$${DATABASE_URL:-sqlite:///db.sqlite3} \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 media collected-static node_modules
