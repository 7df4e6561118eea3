# Two commands set up a fresh clone:
#   make demo   installs pneumo_nb in .venv, trains the default recipe on the bundled sample and predicts with it (outputs/demo)
#   make test   installs the development tools in .venv (and Chromium for the app's browser test, with apt-get where it
#               can) and runs the tests: every notebook with nbdev-test and in a Jupyter kernel, and the checks of the
#               documentation site (tools/test_notebooks.sh)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# PyPI's torchvision is built against PyPI's torch. A CPU-only torch wheel picked up from a locally configured
# --find-links folder would be preferred by pip (its "+cpu" version sorts higher) and then torchvision fails to
# load ("operator torchvision::nms does not exist"), so installs here look at the package index only.
PIP    := PIP_FIND_LINKS=' ' $(BIN)/python -m pip

.PHONY: demo test install install-dev export

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

install: $(BIN)/python
	$(PIP) install -q -e .

install-dev: $(BIN)/python
	$(PIP) install -q -e ".[dev]"

demo: install
	$(BIN)/pneumo-train --out outputs/demo
	$(BIN)/pneumo-predict outputs/demo/model.pth pneumo_nb/sample/train --csv outputs/demo/predictions.csv

test: install-dev
	tools/install_browser.sh
	PATH="$(abspath $(BIN)):$$PATH" tools/test_notebooks.sh

export: install-dev
	$(BIN)/nbdev-export && $(BIN)/nbdev-clean
