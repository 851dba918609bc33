# Suyuan: `make run` serves the app with demo data on SQLite; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := app:create_app

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
	@trap 'kill 0' INT TERM EXIT; \
	$(BIN)/celery -A tasks.worker worker --loglevel=info --concurrency=2 & \
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --threads 4 --access-logfile - "app:create_app()"

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
