# make run · make test · make bench — each sets itself up from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# One worker: the sign-in throttle's memory:// counters are per worker (more need Redis).
WEB_CONCURRENCY ?= 1
export FLASK_APP := wsgi

.PHONY: run test test-sqlite test-postgres bench lint migrate seed clean translations fuzz

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(BIN)/.installed

migrate: venv
	$(BIN)/flask db upgrade heads

seed: migrate
	$(BIN)/flask demo seed --if-empty

run: seed
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WEB_CONCURRENCY) \
		--access-logfile - wsgi:app

# The browser tests drive Debian's Chromium (/usr/bin/chromium) and skip, saying so, without it;
# .ci/run installs it. Screenshots land in tests/artifacts/browser/.
# Two pytest-xdist workers by default (TEST_WORKERS=0 runs in one process); on PostgreSQL each
# worker uses its own database beside TEST_DATABASE_URL's (tests/conftest.py).
TEST_WORKERS ?= 2
test: venv
	@command -v chromium >/dev/null || echo "note: chromium is not installed; browser tests will be skipped (apt-get install chromium)"
	@command -v soffice >/dev/null || echo "note: LibreOffice is not installed; the DOCX-in-LibreOffice test will be skipped (apt-get install libreoffice-writer-nogui)"
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL =="; \
		TEST_DATABASE=postgresql $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile; \
	fi

# One database only: `make test-sqlite`, or `make test-postgres` with TEST_DATABASE_URL set.
test-sqlite: venv
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test-postgres: venv
	@test -n "$$TEST_DATABASE_URL" || { echo "set TEST_DATABASE_URL=postgresql://…"; exit 2; }
	TEST_DATABASE=postgresql $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

# The OpenAPI fuzzing of `make test` with many more examples per operation and role, the roles
# spread over the test workers (25 examples took under 5 minutes per database on 2 cores).
FUZZ_EXAMPLES ?= 50
fuzz: venv
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist load tests/fuzz
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) TEST_DATABASE=postgresql $(BIN)/python -m pytest -q \
			-n $(TEST_WORKERS) --dist load tests/fuzz; \
	fi

bench: venv
	$(BIN)/python -m bench

# Recompile the console's .mo catalogues after editing a .po file (both are committed).
translations: venv
	$(BIN)/python -m server.console.i18n

lint: venv
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
