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

# together NAME1 CMD1 -- NAME2 CMD2: two steps at once (2 cores; the integration
# suites mostly wait on their servers, the fuzzers run for a fixed time), each
# step's output kept in a file and printed whole when both are done.
together() {
	local n1=$1 n2 c1=() c2=() out1 out2 p1 p2 t0 rc1 rc2
	shift
	while [ "$1" != -- ]; do c1+=("$1"); shift; done
	shift
	n2=$1
	shift
	c2=("$@")
	out1=$(mktemp) out2=$(mktemp)
	t0=$(date +%s)
	echo "=== $n1 | $n2 (at once; output follows)"
	"${c1[@]}" >"$out1" 2>&1 &
	p1=$!
	"${c2[@]}" >"$out2" 2>&1 &
	p2=$!
	wait $p1
	rc1=$?
	wait $p2
	rc2=$?
	echo "=== $n1"
	cat "$out1"
	echo "=== $n2"
	cat "$out2"
	rm -f "$out1" "$out2"
	results+=("$(printf '%-28s %s  %4ss' "$n1" "$([ $rc1 -eq 0 ] && echo ok || echo FAILED)" $(($(date +%s) - t0)))")
	results+=("$(printf '%-28s %s  %4ss' "$n2" "$([ $rc2 -eq 0 ] && echo ok || echo FAILED)" $(($(date +%s) - t0)))")
	[ $rc1 -eq 0 ] && [ $rc2 -eq 0 ] || status=1
}

step "install packages" scripts/install-deps.sh build test static fuzz || exit 1
step "build (glibc)" make -s build/pginit || exit 1
step "unit tests" make -s unit
step "deploy files" env PGINIT_BIN="$ROOT/build/pginit" tests/deploy/check-kubernetes.py
if step "build (static musl)" make -s static; then
	together "integration (glibc)" env PGINIT_BIN="$ROOT/build/pginit" tests/integration/run.sh -- \
		"integration (static musl)" env PGINIT_BIN="$ROOT/build/pginit-static" tests/integration/run.sh
else
	step "integration (glibc)" env PGINIT_BIN="$ROOT/build/pginit" tests/integration/run.sh
fi
if [ -z "${PGINIT_SKIP_DOCKER:-}" ] && [ -x tests/docker/run.sh ]; then
	together "fuzz (${FUZZ_SECONDS:-60} s each)" make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}" -- \
		"docker" tests/docker/run.sh
else
	step "fuzz (${FUZZ_SECONDS:-60} s each)" make -s fuzz FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
fi

echo "=== summary ($(($(date +%s) - start)) s)"
printf '%s\n' "${results[@]}"
exit $status
