# make run   - set everything up, then process the sample batch (embedded mode)
# make test  - set everything up, start RabbitMQ and Redis where needed, then run the whole test suite
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp

.PHONY: setup system system-test run test services lint bench schema clean

setup: system $(STAMP)

system:
	@scripts/install-system-packages.sh system-packages.txt

system-test:
	@scripts/install-system-packages.sh system-packages.txt system-packages-test.txt

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $(STAMP)

run: setup
	$(VENV)/bin/svs run fixtures/sample-batch

services:
	@scripts/start-services.sh

test: setup system-test services
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider --durations=15 -rs

lint: setup
	$(VENV)/bin/ruff check svs workers tests bench fixtures models
	$(VENV)/bin/mypy

schema: setup
	$(VENV)/bin/svs schema docs/schema

bench: setup
	$(VENV)/bin/python bench/bench_pipeline.py

clean:
	rm -rf $(VENV) svs-data .pytest_cache .mypy_cache .ruff_cache
