# Two commands for a newcomer: `make run` (app with demo data) and `make test` (everything CI runs).
PY ?= python3.11
VENV := .venv
PORT ?= 8000
HOST ?= 127.0.0.1
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint check lock bench clean messages

$(STAMP): requirements.lock pyproject.toml
	@bash scripts/venv.sh $(PY) $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@touch $(STAMP)

## Install (first time), migrate, load demo data, and serve on http://$(HOST):$(PORT) with a worker.
run: $(STAMP)
	@bash scripts/debian-packages.sh run
	$(VENV)/bin/ecabinet run --host $(HOST) --port $(PORT) --demo

## Lint, types, migrations, deploy checks and the whole test suite (both shapes where available).
test: $(STAMP)
	bash scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy ecabinet

## Refresh the lock file after editing pyproject.toml (maintainers; needs uv).
lock:
	uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

## Compile translation catalogues after editing .po files.
messages: $(STAMP)
	cd ecabinet && ../$(VENV)/bin/django-admin compilemessages

clean:
	rm -rf $(VENV) var
