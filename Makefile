# geo-industry: two commands for a fresh machine.
#   make run   set up .venv and serve the API and maps on the embedded data (http://127.0.0.1:8000)
#   make test  set up .venv with dev extras, the system packages the tests need, and run the suite

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
SYSTEM_PACKAGES := gdal-bin chromium chromium-driver fonts-noto-cjk

.PHONY: run test install install-dev system-deps lint bench bench-postgis wrk openapi site clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Debian packages used by the tests: GDAL's ogrinfo/ogr2ogr (OAPIF driver), Chromium, a CJK font
# so that Chinese labels render in the browser screenshots, and PostgreSQL 15 with PostGIS (the tests
# start their own throwaway cluster on a free loopback port; nothing needs to be running).
system-deps:
	@missing=""; \
	command -v ogrinfo >/dev/null 2>&1 || missing="$$missing gdal-bin"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium chromium-driver"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	[ -e /usr/share/postgresql/15/extension/postgis.control ] || missing="$$missing postgresql-15-postgis-3"; \
	command -v psql >/dev/null 2>&1 || missing="$$missing postgresql-client-15"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

run: install
	$(BIN)/geo-industry serve --host $(HOST) --port $(PORT)

test: install-dev system-deps
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check src tests bench tools
	$(BIN)/mypy src tools

wrk:
	@command -v wrk >/dev/null 2>&1 || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }

# Load benchmark (wrk from Debian; pygeoapi in its own venv under bench/) and raster benchmark.
bench: install-dev system-deps wrk
	$(BIN)/python bench/run.py --write-docs
	$(BIN)/python bench/bench_raster.py --write-docs
	$(BIN)/python bench/bench_tiles.py --write-docs
	$(BIN)/python bench/bench_postgis.py --write-docs

# PostGIS benchmark alone: a throwaway cluster with a million synthetic points and 100,000 parcels,
# geo-industry against tipg (its own venv under bench/), 1 and 2 workers.
bench-postgis: install-dev system-deps wrk
	$(BIN)/python bench/bench_postgis.py --write-docs

# Regenerate the committed OpenAPI document (a test fails when it drifts from the app).
openapi: install
	$(BIN)/geo-industry openapi api/openapi.json

# Build the static map site into site/.
site: install
	$(BIN)/geo-industry maps build -o site

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache
