# One entry point: scripts/devenv.py (standard library only, run by the system python3).
PYTHON ?= python3

.PHONY: run test bench lint pot wheel
run:
	$(PYTHON) scripts/devenv.py run
test:
	$(PYTHON) scripts/devenv.py test
bench:
	$(PYTHON) scripts/devenv.py bench
lint:
	$(PYTHON) scripts/devenv.py lint
pot:
	$(PYTHON) scripts/devenv.py pot
wheel:
	$(PYTHON) scripts/devenv.py wheel-check
