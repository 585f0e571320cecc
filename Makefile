# The two commands a newcomer needs are `make run` and `make test`.
# Everything else here serves them or the maintainers.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint format check bench load gpu-check install clean

# Creating the venv once; reinstalling only when pyproject.toml changed.
$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed; $(PYTHON) is " + sys.version.split()[0])'
	@echo "Creating the virtualenv in $(VENV)…"
	@$(PYTHON) -m venv $(VENV)

# pip's output goes to var/pip-install.log; the terminal gets progress lines.
$(STAMP): pyproject.toml | $(BIN)/python
	@$(PYTHON) studysite/install_progress.py --log var/pip-install.log -- \
		$(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python manage.py devstack

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: $(STAMP)
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

# The benchmarks of tests/bench/ (figures, not tests): BENCH_ARGS="flashcards --quick".
bench: $(STAMP)
	$(BIN)/python manage.py bench $(BENCH_ARGS)

# 200 learners in review loops for 60 s against gunicorn + Postgres + Redis.
load: $(STAMP)
	@$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[load]"
	$(BIN)/python -m tests.load.run $(LOAD_ARGS)

# The demos' CUDA paths on a real GPU, with one summary; one line and exit 0
# on a machine without an NVIDIA driver (tests/gpu/check.py).
gpu-check: $(STAMP)
	@$(BIN)/python -m tests.gpu.check $(GPU_CHECK_ARGS)

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis
