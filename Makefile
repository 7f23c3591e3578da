# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Debian packages the project needs at run time; installed only when missing.
DEB_PACKAGES := fonts-wqy-microhei
# ...and for the tests: a real browser to render the finance report in, poppler-utils to read
# post letters back as a person reads them (pdftotext)
TEST_DEB_PACKAGES := chromium poppler-utils

.PHONY: demo test lint bench sysdeps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@# Prefect's empty database, made once per machine: new data homes start from a copy
	$(BIN)/python -m flows.cli.server_database || echo "warning: Prefect's database not prepared; the first run makes it"
	touch $(STAMP)

sysdeps:
	@sh scripts/sysdeps.sh $(DEB_PACKAGES)

demo: sysdeps $(STAMP)
	$(BIN)/recall demo

lint: $(STAMP)
	$(BIN)/ruff check flows tests bench
	$(BIN)/ruff format --check flows tests bench
	$(BIN)/mypy

# one pytest worker more than cores: many tests wait on a Prefect server or a subprocess, and
# the spare worker runs meanwhile (measured on 2 cores: 9 min with 3 workers, 10.3 with 2)
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))

test: sysdeps lint
	@sh scripts/sysdeps.sh $(TEST_DEB_PACKAGES)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

bench: sysdeps $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
