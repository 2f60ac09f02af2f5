# Quarry: the two commands.
#   make run   set up this machine, build, and serve on embedded defaults (data in ./.quarry or $QUARRY_DATA)
#   make test  set up this machine, build, start the test services, run every test
SHELL := /bin/bash
export SWIFT_DETERMINISTIC_HASHING := 1

.PHONY: run test bootstrap release clean

run: release
	.build/release/quarry serve

test: bootstrap
	scripts/test

bootstrap:
	scripts/bootstrap

release: bootstrap
	swift build -c release --product quarry

clean:
	rm -rf .build
