# Quick start:  make demo   (set up, analyse the bundled samples, compare evaluators, batch-review an export)
#               make test   (set up, then run the whole test suite)
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-stamp

.PHONY: setup demo test test-fast train eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build on this machine's disk, not a multi-GB CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test,ray]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/fqa analyze corpora/samples/*.txt --rubric fft-style
	mkdir -p out
	$(BIN)/fqa compare corpora/samples/calibration.jsonl --html out/calibration-report.html
	rm -rf out/batch
	$(BIN)/fqa batch corpora/samples/district-export.csv --out out/batch --teachers T-2001,T-3012
	$(BIN)/fqa prep out/batch --teacher T-2003 --html out/prep-T-2003.html

test: setup
	$(BIN)/pytest -q

test-fast: setup
	$(BIN)/pytest -q -m "not slow"

train: setup
	$(BIN)/fqa train

eval: setup
	$(BIN)/fqa eval

bench: setup
	$(BIN)/python benchmarks/throughput.py

clean:
	rm -rf $(VENV) build *.egg-info
