# Berth: the two commands of the README, and a few helpers.
#   make run    install what is missing, build, start the platform on http://localhost:8080
#   make test   install what is missing, build, run the whole suite (H2 and a throw-away PostgreSQL)
#   make clean-host     after make run: remove its sites, network, cgroups, nginx and data (root)
#   make package        the Debian packages berth-api and berth-hostd (target/packages)
#   make package-test   those packages installed, started, upgraded and purged in a Debian 12 root
#   make fresh-debian   the README's build on a fresh Debian 12 root (debootstrap), ~20 min
SHELL := /bin/bash
MVN ?= mvn -B -Dstyle.color=never
# The pinned node scripts/node.sh installs where the machine's is too old for the portal (Debian 12).
export PATH := $(CURDIR)/.build-tools/node/bin:$(PATH)

.PHONY: deps build run test bench clean package package-test fresh-debian clean-host

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

package: build
	@packaging/build.sh

package-test: build
	@packaging/test-install.sh

fresh-debian:
	@scripts/fresh-debian.sh

clean-host:
	@scripts/clean-host.sh

clean:
	$(MVN) -q clean
