# Quarry: the two commands.
#   make run   set up this machine, build the server and the web UI, and serve both on embedded defaults
#              (data in ./.quarry or $QUARRY_DATA; the UI at http://127.0.0.1:8420/)
#   make test  set up this machine (and, once, llama.cpp's server for the LLM-answer tests), build, run every test
SHELL := /bin/bash
export SWIFT_DETERMINISTIC_HASHING := 1
# libmongoc, initialised when the binary loads, keeps statistics in /dev/shm/mongoc-<pid>; a process
# killed with -9 (the tests do) leaves its file, and a later process given the same pid finds it
# and warns on standard error before Quarry can route libmongoc's messages. Quarry reads none of them.
export MONGOC_DISABLE_SHM := 1

.PHONY: run test bootstrap release ui clean fuzz bench bench-parse bench-embed bench-query bench-concurrency bench-contention bench-queue bench-ingest bench-workflow bench-actions bench-ui bench-protocols soak

run: release ui
	.build/release/quarry serve

test: bootstrap
	scripts/bootstrap-llm
	scripts/test

bootstrap:
	scripts/bootstrap

release: bootstrap
	swift build -c release --product quarry

# The web UI (Sources/QuarryUI) into .build/ui, where `quarry serve` finds it.
ui: bootstrap
	scripts/build-ui

# Benchmarks: each runs Quarry beside its peers in one run and writes eval/bench/ (Docs/PERFORMANCE.md).
bench: bench-parse bench-embed bench-query bench-concurrency bench-contention bench-queue bench-ingest bench-workflow bench-actions bench-ui bench-protocols

bench-parse: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/parse.py --quarry .build/release/quarry ../shared/corpora/pdf

bench-embed: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/embed.py --quarry .build/release/quarry

bench-query: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/query.py --quarry .build/release/quarry

# 1, 4 and 16 concurrent clients at 100k chunks, then a steady load at 80 % of the best throughput.
bench-concurrency: release
	.build/release/quarry bench concurrency

# Questions on one quarry serve, idle and while an index job indexes the shared PDFs.
bench-contention: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/contention.py --quarry .build/release/quarry

bench-protocols: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/protocols.py --quarry .build/release/quarry

bench-queue: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/queues.py --quarry .build/release/quarry

bench-ingest: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/ingest.py --quarry .build/release/quarry

# The workflow engine beside Celery and Prefect on one scratch Redis: runs/s, a 40-node chain, fan-out 1→1000→1.
bench-workflow: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/workflow.py --quarry .build/release/quarry

# Connector actions through the actions queue (ledger and limits on) to an nginx sink beside Celery, and the shared limit's accuracy.
bench-actions: release
	scripts/bootstrap --bench
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/actions.py --quarry .build/release/quarry

# The web UI in headless Chromium: first-load JavaScript, a 200-node builder's frames while panning and zooming, run-state latency.
bench-ui: release ui
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/ui.py --quarry .build/release/quarry

# 30 minutes of mixed uploads, queries, deletes and workflow runs on one embedded server, watched for
# growth in memory and file descriptors (Docs/PERFORMANCE.md); eval/bench/soak.md.
soak: release
	"$${QUARRY_CACHE:-$$HOME/.cache/quarry}/venv/bin/python" scripts/bench/soak.py --quarry .build/release/quarry

# libFuzzer over the PDF and HTML parsers, 5 minutes each (Docs/FUZZING.md).
fuzz:
	scripts/fuzz 300

clean:
	rm -rf .build .build-fuzz
