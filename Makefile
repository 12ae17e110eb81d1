# Headway: `make run` and `make test` set themselves up from a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test bench lint fmt clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Headway needs Python 3.11 or newer (found " + sys.version.split()[0] + "); set PYTHON=python3.12, say")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## run: `serve` when .env (or the environment) sets any Slack variable, otherwise the offline demo
# Only whether a variable is set decides: a malformed token gets `serve`'s own one-line error.
run: $(STAMP)
	@if $(PY) -c 'import sys; from bot.config import load_dotenv_file, slack_variables_set; load_dotenv_file(); sys.exit(0 if slack_variables_set() else 1)'; then \
		$(VENV)/bin/headway serve; \
	else \
		echo "No Slack variables in .env or the environment: running the offline demo (see README to connect Slack)."; \
		$(VENV)/bin/headway demo; \
	fi

## test: the whole suite (unit, end-to-end over Slack's wire format, CLI)
test: $(STAMP)
	$(PY) -m pytest

## bench: ack latency, classifier quality and speed, digest and rollup build time, fan-out
bench: $(STAMP)
	$(PY) -m bench

lint: $(STAMP)
	$(VENV)/bin/ruff check .

fmt: $(STAMP)
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache out *.egg-info
