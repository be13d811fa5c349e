# mk/static.mk: the fully static musl build of pginit (`make static` -> build/pginit-static).
#
# Included by the main Makefile; also usable alone: `make -f mk/static.mk static`.
# The static libraries (OpenSSL, libconfig, libpq built with musl-gcc) come from
# scripts/build-static-deps.sh, which caches them under build/static-deps/ (~3 min cold,
# well under a second when cached). Debian's own .a files cannot be used: they need glibc.
#
# All names here start with STATIC_ / static so that they cannot clash with the main
# Makefile's.

# This file's directory, taken now: MAKEFILE_LIST changes with every later include.
STATIC_MK_DIR := $(dir $(lastword $(MAKEFILE_LIST)))

STATIC_CC        ?= musl-gcc
# The same source list as the glibc build (mk/sources.mk).
include $(STATIC_MK_DIR)sources.mk
STATIC_SRCS      ?= $(PGINIT_SRCS)
STATIC_OBJDIR    ?= build/static-obj
STATIC_BIN       ?= build/pginit-static
STATIC_DEPS_DIR  ?= build/static-deps
STATIC_PREFIX    := $(STATIC_DEPS_DIR)/prefix
STATIC_DEPS_SH   := $(STATIC_MK_DIR)../scripts/build-static-deps.sh
# Touched by the script only when a library was (re)built, so that objects are recompiled
# and the binary relinked only then, not on every `make static`.
STATIC_DEPS_STAMP := $(STATIC_DEPS_DIR)/stamps/all

# The sources take their version string from the main Makefile's VERSION; read it from
# there when this file is used alone.
STATIC_VERSION   ?= $(or $(VERSION),$(shell sed -n 's/^VERSION *:*= *//p' $(STATIC_MK_DIR)../Makefile 2>/dev/null),unknown)
STATIC_CFLAGS    ?= -std=c11 -O2 -Wall -Wextra
STATIC_CPPFLAGS  := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DPGINIT_VERSION='"$(STATIC_VERSION)"' \
                    -Isrc -I$(STATIC_PREFIX)/include
# -static, not -static-pie: with Debian's musl-gcc specs -static-pie silently produces a
# dynamically linked binary (checked below with `file`).
STATIC_LDFLAGS   ?= -static
# Order matters for static archives: each library before the ones it uses. libpq uses
# libpgcommon/libpgport (its _shlib variants: libpq.a is built from PIC objects) and
# OpenSSL; libpgcommon also uses OpenSSL (SCRAM's HMAC/SHA-256); libssl uses libcrypto.
STATIC_LDLIBS    := -lpq -lpgcommon_shlib -lpgport_shlib -lconfig -lssl -lcrypto -lm

STATIC_OBJS := $(patsubst src/%.c,$(STATIC_OBJDIR)/%.o,$(STATIC_SRCS))

# Keep whatever default goal the including Makefile has (or will have): the first rule
# below must not become it.
static_saved_goal := $(.DEFAULT_GOAL)

.PHONY: static static-deps static-clean

static: $(STATIC_BIN)

static-deps: $(STATIC_DEPS_STAMP)

# The script always runs (it is cheap when cached and knows best whether anything is stale);
# make then compares the stamp's mtime, which changes only after a real rebuild.
$(STATIC_DEPS_STAMP): static-force
	@PGINIT_STATIC_DEPS_DIR='$(abspath $(STATIC_DEPS_DIR))' '$(STATIC_DEPS_SH)'

.PHONY: static-force
static-force:

# -MMD -MP: header dependencies, so that editing src/*.h recompiles what includes it.
$(STATIC_OBJDIR)/%.o: src/%.c $(STATIC_DEPS_STAMP)
	@mkdir -p $(@D)
	$(STATIC_CC) $(STATIC_CFLAGS) $(STATIC_CPPFLAGS) -MMD -MP -c $< -o $@

$(STATIC_BIN): $(STATIC_OBJS) $(STATIC_DEPS_STAMP)
	@test -n '$(STATIC_OBJS)' || { echo 'static: no sources (STATIC_SRCS is empty)' >&2; exit 1; }
	@mkdir -p $(@D)
	$(STATIC_CC) $(STATIC_LDFLAGS) -o $@.tmp $(STATIC_OBJS) -L$(STATIC_PREFIX)/lib $(STATIC_LDLIBS)
	strip $@.tmp
	@# A dynamically linked result must fail the build, not be shipped as "static".
	@if ! file $@.tmp | grep -q 'statically linked'; then \
		file $@.tmp >&2; rm -f $@.tmp; \
		echo 'static: $@ is NOT statically linked' >&2; exit 1; \
	fi
	@mv -f $@.tmp $@
	@echo "static: $@ statically linked, stripped, $$(stat -c %s $@) bytes ($$(( ($$(stat -c %s $@) + 1023) / 1024 )) KiB)"

static-clean:
	rm -rf $(STATIC_OBJDIR) $(STATIC_BIN) $(STATIC_BIN).tmp

-include $(STATIC_OBJS:.o=.d)

.DEFAULT_GOAL := $(static_saved_goal)
