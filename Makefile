# Two commands do everything on a fresh machine (Python 3.11 and make are all it needs):
#   make demo   install, then run the whole pipeline on the built-in sandbox (no credentials)
#   make test   install, then lint, type-check and run the test suite
# Dependencies are pinned in uv.lock; uv itself is pinned below and lives in .tools/.

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo test lint typecheck pytest lock clean

install: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock $(UV)
	$(UV) sync --frozen --extra dev --python $(PYTHON)
	touch $@

demo: install
	$(VENV)/bin/opsaudit demo

test: install lint typecheck pytest

lint:
	$(VENV)/bin/ruff check src tests flows benchmarks
	$(VENV)/bin/ruff format --check src tests flows benchmarks

typecheck:
	$(VENV)/bin/mypy

pytest:
	$(VENV)/bin/pytest

lock: $(UV)
	$(UV) lock --python $(PYTHON)

clean:
	rm -rf $(VENV) .tools .opsaudit .pytest_cache .mypy_cache .ruff_cache
