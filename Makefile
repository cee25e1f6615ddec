# ChurnStream: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing (as root, via apt-get) and build first.

SHELL := /bin/bash
DOTNET ?= dotnet
CONFIGURATION ?= Release
APT_PACKAGES := librdkafka1 kcat prometheus yamllint
BIN := src/ChurnStream/bin/$(CONFIGURATION)/net10.0

.PHONY: all demo test test-resilience test-unit build deps clean

all: build

## Installs the OS packages the service and the tests need, when missing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "need root to apt-get install$$missing" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
	@command -v $(DOTNET) >/dev/null || { echo "the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }

build: deps
	$(DOTNET) build ChurnStream.sln -c $(CONFIGURATION) -nologo -clp:ErrorsOnly

## The main job on the embedded default: broker + generator + service in one process, ends within about a minute.
demo: build
	$(DOTNET) $(BIN)/churnstream.dll demo $(DEMO_ARGS)

## The test suite. Against a real cluster: KAFKA_BOOTSTRAP_SERVERS=host:9092 make test
## A failing run ends with the failed tests and their messages, so the tail of a CI log names them.
TEST_LOG ?= $(or $(TMPDIR),/tmp)/churnstream-test.log
test: build
	@set -o pipefail; \
	$(DOTNET) test ChurnStream.sln -c $(CONFIGURATION) --no-build -nologo -m:1 --logger "console;verbosity=minimal" 2>&1 | tee $(TEST_LOG); \
	status=$$?; \
	if [ $$status != 0 ]; then bash tests/failed-tests.sh $(TEST_LOG); echo "make test failed (exit $$status)"; fi; \
	exit $$status

## The exactly-once crash, scale, fault and SIGTERM tests alone (about 3 minutes; also part of `make test`).
test-resilience: build
	$(DOTNET) test tests/ChurnStream.Integration.Tests -c $(CONFIGURATION) --no-build -nologo --filter "Category=Resilience" --logger "console;verbosity=minimal"

test-unit: build
	$(DOTNET) test ChurnStream.sln -c $(CONFIGURATION) --no-build -nologo --filter "FullyQualifiedName!~Integration"

clean:
	$(DOTNET) clean ChurnStream.sln -nologo -v q
