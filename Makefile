# The two commands of the README: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test install install-dev lint bench messages

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# Compiled catalogues are build output (git-ignored): made from the .po files when those change.
MO := $(patsubst %.po,%.mo,$(wildcard app/translations/*/LC_MESSAGES/messages.po))
%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel --quiet compile -f -i $< -o $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Install, migrate, load the sample consultation and serve it on http://127.0.0.1:5000 (with an email worker)
run: $(VENV)/.installed $(MO)
	$(BIN)/flask db upgrade
	$(BIN)/flask demo --if-empty
	$(BIN)/flask worker & trap 'kill $$! 2>/dev/null' EXIT; $(BIN)/flask run --host 127.0.0.1 --port 5000

## Run the whole test suite (PostgreSQL-backed tests skip when no server is reachable)
test: $(VENV)/.installed-dev $(MO)
	$(BIN)/python -m pytest -n 2 -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check app drafts tests bench

## Extract UI strings and update the Russian and Uzbek (Latin, Cyrillic) catalogues (translation is then only translation work)
messages: $(VENV)/.installed
	$(BIN)/pybabel --quiet extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot .
	for lang in ru uz uz_Cyrl; do \
	  if [ -f app/translations/$$lang/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel --quiet update -i app/translations/messages.pot -d app/translations -l $$lang; \
	  else $(BIN)/pybabel --quiet init -i app/translations/messages.pot -d app/translations -l $$lang; fi; \
	done
	$(BIN)/pybabel --quiet compile -f -d app/translations
