# pginit — build, test, demo. `make help` lists the targets.
VERSION    := 0.1.0
CC         ?= cc
CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes -Wno-format-nonliteral
CPPFLAGS   += -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DPGINIT_VERSION='"$(VERSION)"' \
              -Isrc -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
LDLIBS     := -lpq -lconfig -lcrypto -pthread

include mk/sources.mk
SRCS       := $(PGINIT_SRCS)
OBJS       := $(SRCS:src/%.c=build/obj/%.o)
LIB_OBJS   := $(filter-out build/obj/main.o,$(OBJS))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=build/tests/%)

# libFuzzer harnesses (tests/fuzz/): clang with the fuzzer, ASan and UBSan.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJS    := $(LIB_OBJS:build/obj/%=build/fuzz/obj/%)

.PHONY: all deps test unit integration deploy-check docker demo bench lint clean help static fuzz

all: build/pginit

help:
	@echo "make            build build/pginit (glibc, Debian's libpq and libconfig)"
	@echo "make static     build build/pginit-static (musl, fully static, TLS included)"
	@echo "make demo       install what is missing, build, run the dev profile on a throwaway server"
	@echo "make test       unit + integration tests (both builds) + docker tests"
	@echo "make unit       unit tests only"
	@echo "make integration  integration tests against a real PostgreSQL (PGINIT_BIN=... to pick a binary)"
	@echo "make deploy-check  deploy/kubernetes files against what pginit reads (no cluster)"
	@echo "make docker     the docker suite: own engine, local server images, the compose stacks, the swarm stack"
	@echo "make bench      pginit against dbmate and psql, interleaved (prints figures)"
	@echo "make fuzz       libFuzzer harnesses, each for FUZZ_SECONDS (60; e.g. make fuzz FUZZ_SECONDS=600)"
	@echo "make lint       shellcheck, cppcheck, include layers, function length"

deps:
	@scripts/install-deps.sh build

build/obj/%.o: src/%.c $(PGINIT_HDRS) | build/obj
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

build/pginit: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

build/obj build/tests:
	mkdir -p $@

build/tests/%: tests/unit/%.c tests/unit/unit.h $(LIB_OBJS) $(PGINIT_HDRS) | build/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIB_OBJS) $(LDFLAGS) $(LDLIBS)

build/fuzz/obj/%.o: src/%.c $(PGINIT_HDRS) | build/fuzz/obj
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link $(WARN) -c -o $@ $<

build/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJS) $(PGINIT_HDRS) | build/fuzz/obj
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $(WARN) -o $@ $< $(FUZZ_OBJS) $(LDFLAGS) $(LDLIBS)

build/fuzz/obj:
	mkdir -p $@

fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

unit: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

integration: build/pginit
	@tests/integration/run.sh

# deploy/kubernetes/*.yaml against what build/pginit says it reads (python3-yaml).
deploy-check: build/pginit
	@tests/deploy/check-kubernetes.py

test: deps
	@tests/run-all.sh

docker:
	@tests/docker/run.sh

demo:
	@scripts/demo.sh

# pginit against dbmate (npm, cached in ~/.cache/pginit/npm) and one psql session,
# fsync on; BENCH_ROUNDS, BENCH_SIZES, BENCH_APPLY_SIZES (bench/run.sh). Uses
# build/pginit-static when it exists, never builds it.
bench: build/pginit
	@scripts/install-deps.sh test bench
	@bench/run.sh
	@bench/seeds.sh

lint:
	@scripts/install-deps.sh lint
	shellcheck -x -S warning scripts/*.sh tests/*.sh tests/integration/*.sh tests/differential/*.sh tests/unit/*.sh tests/fuzz/*.sh tests/docker/*.sh tests/docker/postgres/*.sh bench/*.sh .ci/run
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 --inline-suppr -Isrc src
	scripts/check-includes.sh
	scripts/check-function-length.sh
	@! grep -rn 'FMT_' src --exclude-dir=formats || { echo 'lint: FMT_ outside src/formats/' >&2; exit 1; }

# The static build has its own: static-clean (mk/static.mk); its cached
# dependencies stay in build/static-deps (rm -rf it to rebuild them).
clean:
	rm -rf build/obj build/tests build/pginit build/fuzz/obj $(FUZZ_BINS)

-include mk/static.mk
