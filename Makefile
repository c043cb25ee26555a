# One entry point: scripts/devenv.py (standard library only, run by the system python3).
PYTHON ?= python3

.PHONY: run test bench lint pot
run:
	$(PYTHON) scripts/devenv.py run
test:
	$(PYTHON) scripts/devenv.py test
bench:
	$(PYTHON) scripts/devenv.py bench
lint:
	$(PYTHON) -m pytest -q tests
pot:
	$(PYTHON) scripts/devenv.py pot
