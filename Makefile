# Suyuan: `make run` serves the app with demo data on SQLite; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app:create_app
# Labels and printed scan URLs point at the port the app is served on.
SUYUAN_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
export SUYUAN_PUBLIC_BASE_URL

.PHONY: run test lint format translations extract-messages worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime-installed $@

# Compiled catalogues (.mo) are build output; the .po files are the source.
translations: $(VENV)/.runtime-installed
	$(BIN)/pybabel compile --statistics -d translations 2>&1 | tail -n 1

run: $(VENV)/.runtime-installed translations
	$(BIN)/flask db upgrade
	$(BIN)/flask suyuan init
	$(BIN)/flask suyuan create-admin
	$(BIN)/flask suyuan demo
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl-C stops the server and the worker)"
	@# Both run in the background and the shell waits, so Ctrl-C reaches only the trap,
	@# which stops them once. The thread pool keeps SQLite connections out of forked children.
	@$(BIN)/celery -A tasks.worker worker --loglevel=info --pool=threads --concurrency=2 & worker=$$!; \
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - "app:create_app()" & server=$$!; \
	trap 'kill -TERM $$server $$worker 2>/dev/null; wait; exit 0' INT TERM; \
	wait $$server; kill -TERM $$worker 2>/dev/null; wait

worker: $(VENV)/.runtime-installed
	$(BIN)/celery -A tasks.worker worker --loglevel=info

test: $(VENV)/.dev-installed translations
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the message catalogues after changing user-visible strings.
extract-messages: $(VENV)/.runtime-installed
	$(BIN)/pybabel extract --no-location --sort-output -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -i translations/messages.pot -d translations

clean:
	rm -rf $(VENV) instance .pytest_cache
