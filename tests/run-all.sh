#!/usr/bin/env bash
# make test: everything, on a fresh machine of this kind. Installs its own
# packages, builds both binaries, runs the unit tests, the integration suite
# against each binary, the fuzzers (FUZZ_SECONDS each, default 60), and the
# docker suite. PGINIT_SKIP_DOCKER=1 skips the
# last (for quick local runs only; CI runs everything).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
start=$(date +%s)
results=()
status=0

step() { # name command...
	local name=$1 t0 rc
	shift
	t0=$(date +%s)
	echo "=== $name"
	"$@"
	rc=$?
	results+=("$(printf '%-28s %s  %4ss' "$name" "$([ $rc -eq 0 ] && echo ok || echo FAILED)" $(($(date +%s) - t0)))")
	[ $rc -eq 0 ] || status=1
	return $rc
}

step "install packages" scripts/install-deps.sh build test static fuzz || exit 1
step "build (glibc)" make -s build/pginit || exit 1
step "unit tests" make -s unit
step "deploy files" env PGINIT_BIN="$ROOT/build/pginit" tests/deploy/check-kubernetes.py
step "integration (glibc)" env PGINIT_BIN="$ROOT/build/pginit" tests/integration/run.sh
step "fuzz (${FUZZ_SECONDS:-60} s each)" make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
if step "build (static musl)" make -s static; then
	step "integration (static musl)" env PGINIT_BIN="$ROOT/build/pginit-static" tests/integration/run.sh
fi
if [ -z "${PGINIT_SKIP_DOCKER:-}" ] && [ -x tests/docker/run.sh ]; then
	step "docker" tests/docker/run.sh
fi

echo "=== summary ($(($(date +%s) - start)) s)"
printf '%s\n' "${results[@]}"
exit $status
