# Two entry points on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
JL     := $(VENV)/bin/journeylang
SHARED := ../shared
DEMO   := out/demo
# optional extras `make install` adds (.ci/run adds spark: EXTRAS=test,parquet,spark)
EXTRAS ?= test,parquet

.PHONY: install demo test conformance bench fuzz clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	touch $@

demo: install
	$(JL) check journeys
	$(JL) lint journeys
	$(JL) generate --profiles 300 --days 14 --seed 7 --start 2026-11-10T00:00:00Z -o $(DEMO)/events.jsonl
	$(JL) replay journeys --events $(DEMO)/events.jsonl --out $(DEMO)
	$(JL) test journeys --coverage -q
	$(JL) report $(DEMO) journeys

test: install
	$(PY) -m pytest
	@if [ -x $(SHARED)/conformance/run ]; then $(SHARED)/conformance/run --cli $(JL); \
	else echo "conformance cases not found at $(SHARED)/conformance: skipped"; fi

conformance: install
	$(SHARED)/conformance/run --cli $(JL) -v

bench: install
	$(PY) bench/replay_throughput.py --profiles 10000
	$(PY) bench/replay_throughput.py --profiles 100000

fuzz: install
	JOURNEYLANG_ORACLE_CASES=3000 $(PY) -m pytest -q tests/runtime/test_rt_oracle.py

clean:
	rm -rf $(VENV) out build *.egg-info
