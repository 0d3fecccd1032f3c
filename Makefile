# make run   - set everything up, then process the sample batch (embedded mode)
# make test  - set everything up, start RabbitMQ and Redis where needed, then run the whole test suite
VENV ?= .venv
PYTHON ?= python3
STAMP := $(VENV)/.installed-stamp

.PHONY: setup system system-test run test services lint bench schema clean train-icr bench-icr

setup: system $(STAMP)

system:
	@scripts/install-system-packages.sh system-packages.txt

system-test:
	@scripts/install-system-packages.sh system-packages.txt system-packages-test.txt

# installer output goes to $(SETUP_LOG); the terminal gets one line per step (and the log's end if a step fails)
SETUP_LOG := $(VENV)-setup.log

# the exact versions of requirements-dev.lock, each file checked against its hash; then svs itself
$(STAMP): pyproject.toml requirements-dev.lock
	@echo "setup: a virtualenv in $(VENV), then the Python packages of requirements-dev.lock and svs (pip's output: $(SETUP_LOG))"
	@$(PYTHON) -m venv $(VENV) > $(SETUP_LOG) 2>&1 || (tail -20 $(SETUP_LOG); exit 1)
	@$(VENV)/bin/pip install --upgrade pip >> $(SETUP_LOG) 2>&1 || (tail -20 $(SETUP_LOG); exit 1)
	@$(VENV)/bin/pip install --require-hashes -r requirements-dev.lock >> $(SETUP_LOG) 2>&1 || (tail -20 $(SETUP_LOG); exit 1)
	@$(VENV)/bin/pip install --no-deps -e . >> $(SETUP_LOG) 2>&1 || (tail -20 $(SETUP_LOG); exit 1)
	@touch $(STAMP)
	@echo "setup: done"

run: setup
	@echo "run: svs run fixtures/sample-batch (the store: ./svs-data)"
	@$(VENV)/bin/svs run fixtures/sample-batch

services:
	@scripts/start-services.sh

test: setup system-test services
	@echo "test: the whole suite, integration and unit tests (about 10 minutes on 2 cores); the slowest tests and any skip's reason are listed at the end"
	$(VENV)/bin/python -m pytest -q -p no:cacheprovider --durations=15 -rs

lint: setup
	$(VENV)/bin/ruff check svs workers tests bench fixtures models
	$(VENV)/bin/mypy

schema: setup
	$(VENV)/bin/svs schema docs/schema

bench: setup
	$(VENV)/bin/python bench/bench_pipeline.py

# the boxed-character recogniser: Debian's handwriting fonts and PyTorch for training only (a GPU where one is
# present; see models/README.md for the time it takes)
train-icr: setup
	@scripts/install-system-packages.sh system-packages-train.txt
	$(VENV)/bin/pip install -q -e '.[train]'
	$(VENV)/bin/python models/train_icr.py

bench-icr: setup
	@scripts/install-system-packages.sh system-packages-train.txt
	$(VENV)/bin/python bench/bench_icr.py

clean:
	rm -rf $(VENV) svs-data .pytest_cache .mypy_cache .ruff_cache
