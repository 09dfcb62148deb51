# Rhetoric Lab: two commands on a fresh machine with only Python 3.11+.
#   make lab    set up .venv with the pinned kit, then JupyterLab on lessons/
#   make test   set up .venv with the kit and test tools, then the whole test suite
# Re-running is fast: pip runs again only when pyproject.toml or requirements.lock change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/python -m pip --disable-pip-version-check --quiet
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PORT   ?= 8888

.PHONY: lab test test-fast browser-deps hub-deps bench lint clean-venv lock

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Rhetoric Lab needs Python 3.11 or newer; found $$($(PYTHON) --version)"; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
	  { echo "Could not create $(VENV). On Debian/Ubuntu: apt-get install python3-venv"; exit 1; }
	@$(PIP) install --upgrade "pip>=24"

# The kit, with every transitive dependency pinned by requirements.lock.
# An editable install skips the package's data-files, so the config that enables the
# kit's server extension (kernel websockets without Nagle's delay) is copied by hand.
SERVER_CONFIG := jupyter-config/jupyter_server_config.d/rhetoric_lab.json
$(VENV)/.kit: pyproject.toml requirements.lock $(SERVER_CONFIG) | $(BIN)/python
	$(PIP) install -c requirements.lock -e .
	@mkdir -p $(VENV)/etc/jupyter/jupyter_server_config.d
	@cp $(SERVER_CONFIG) $(VENV)/etc/jupyter/jupyter_server_config.d/
	@touch $@

# The kit plus test tools.
$(VENV)/.test: pyproject.toml requirements.lock $(VENV)/.kit
	$(PIP) install -c requirements.lock -e '.[test]'
	@touch $@

lab: $(VENV)/.kit
	$(BIN)/jupyter lab --ServerApp.root_dir=lessons --port=$(PORT) $(ROOT_FLAG)

# Chromium for the browser tests: Debian's package (Playwright cannot download browsers here).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's chromium for the browser tests..."; \
	    (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || \
	      { echo "apt-get could not install chromium; install it and re-run make test"; exit 1; }; \
	  else \
	    echo "The browser tests need Chromium at /usr/bin/chromium."; \
	    echo "On Debian/Ubuntu run: sudo apt-get install chromium   (then re-run make test)"; \
	    exit 1; \
	  fi; }

# axe-core for the browser tests' accessibility checks: node and npm from Debian when
# missing, then the version pinned by tests/browser/js/package-lock.json (git-ignored
# node_modules/; re-installed only when the lock changes).
AXE_JS := tests/browser/js/node_modules/axe-core/axe.min.js
$(AXE_JS): tests/browser/js/package.json tests/browser/js/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's nodejs and npm for the browser tests..."; \
	    (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null) || \
	      { echo "apt-get could not install npm; install it and re-run make test"; exit 1; }; \
	  else \
	    echo "The browser tests need npm (for axe-core)."; \
	    echo "On Debian/Ubuntu run: sudo apt-get install nodejs npm   (then re-run make test)"; \
	    exit 1; \
	  fi; }
	cd tests/browser/js && npm ci --no-audit --no-fund --loglevel=error
	@touch $@


# Node and npm (Debian's, like Chromium) and the pinned configurable-http-proxy, for the
# real JupyterHub test (tests/installed/test_hub.py).
PROXY_DIR := tests/installed/proxy
$(PROXY_DIR)/node_modules/.installed: $(PROXY_DIR)/package.json $(PROXY_DIR)/package-lock.json
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "Installing Debian's nodejs and npm for the JupyterHub test..."; \
	    (apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null) || \
	      { echo "apt-get could not install nodejs and npm; install them and re-run make test"; exit 1; }; \
	  else \
	    echo "The JupyterHub test needs Node.js and npm."; \
	    echo "On Debian/Ubuntu run: sudo apt-get install nodejs npm   (then re-run make test)"; \
	    exit 1; \
	  fi; }
	cd $(PROXY_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

hub-deps: $(PROXY_DIR)/node_modules/.installed

test: $(VENV)/.test browser-deps $(AXE_JS) hub-deps
	$(BIN)/python -m pytest

# Everything but the browser: for a quick loop while editing.
test-fast: $(VENV)/.test
	$(BIN)/python -m pytest -m "not browser"

bench: $(VENV)/.test
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

lint: $(VENV)/.test
	$(BIN)/ruff check widgets tests benchmarks
	$(BIN)/ruff format --check widgets tests benchmarks

# Re-pin transitive dependencies after changing a pin in pyproject.toml.
lock: $(BIN)/python
	$(PIP) install -e '.[test]'
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^rhetoric-lab' > requirements.lock

# The venv at the lower bounds (tests/installed) is kept in build/ between runs.
clean-venv:
	rm -rf $(VENV) build/venv-lower-bounds-*
