# The two commands in the README: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo serve test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[log,report,batch,web,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/formcheck analyze samples/side_bodyweight_squat_2reps.mp4 --out out/demo

# The web app on this machine (127.0.0.1:8000); the bundled sample is analysed on first start.
serve: $(STAMP)
	$(BIN)/formcheck serve --data-dir out/web --db sqlite:///out/web/formcheck.db \
		--sample samples/side_bodyweight_squat_2reps.mp4

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_pipeline.py

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
