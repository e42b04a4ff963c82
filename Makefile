# Berth: the two commands of the README, and a few helpers.
#   make run    install what is missing, build, start the platform on http://localhost:8080
#   make test   install what is missing, build, run the whole suite (H2 and a throw-away PostgreSQL)
SHELL := /bin/bash
MVN ?= mvn -B -Dstyle.color=never
# The pinned node scripts/node.sh installs where the machine's is too old for the portal (Debian 12).
export PATH := $(CURDIR)/.build-tools/node/bin:$(PATH)

.PHONY: deps build run test bench clean

deps:
	@scripts/deps.sh

build: deps
	$(MVN) -q -DskipTests package

run: build
	@scripts/run.sh

test: deps
	@scripts/test.sh

bench: build
	@scripts/bench.sh

clean:
	$(MVN) -q clean
