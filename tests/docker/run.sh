#!/usr/bin/env bash
# Docker test suite: the real image and the real compose files on a real engine.
#
# Usage: tests/docker/run.sh [TEST...]
#   tests: image config dev test startup prod tls race concurrent versions swarm swarm_fleet
#          (default: all)
#
# Files: engine.sh (the engine), images.sh (the local images), helpers.sh (dc, cid, db_sql,
# wait_exit, ... on top of tests/lib.sh's fail/assert_*), and one *.test.sh per area:
#   image.test.sh     image            the FROM-scratch image
#   stacks.test.sh    config dev test startup prod   the three compose files
#   tls.test.sh       tls              prod with verify-full
#   race.test.sh      race concurrent  init racing a starting server; two inits at once
#   versions.test.sh  versions         PostgreSQL 15 and 17
#   swarm.test.sh     swarm swarm_fleet   deploy/swarm/stack.yml on a one-node swarm (app, fleet job)
# A new test is a function test_NAME in one of them (or in a new *.test.sh) declared with
# `docker_test NAME "what it checks"`; it runs in a subshell with errexit, and its log is
# printed when it fails.
#
# What it does, in order:
#   1. installs what is missing (scripts/install-deps.sh docker static build)
#   2. starts its own dockerd (tests/docker/engine.sh; reused if already running)
#   3. gets the local images (tests/docker/images.sh): PostgreSQL 15 (bookworm) and 17
#      (trixie) servers standing in for postgres:16-alpine, and the Debian build image
#      used as the Dockerfile's BUILD_IMAGE; nothing can be pulled on the test machines
#   4. `make static` on the host (fills the build/static-deps cache), then builds the
#      pginit image from the project Dockerfile with that cache in the context
#   5. runs the tests; each prints a PASS or FAIL line, the failures their log
#   6. stops everything it started, also on failure: the stacks (containers, networks,
#      volumes), the temporary files, and the engine if it started it
# Exit status: 0 when every test passed, 1 otherwise.
#
# All checks that talk to PostgreSQL run psql inside a container on the stack's network
# (`docker exec` into the db container, or a throw-away container on the network); the
# host only ever connects to ports published on 127.0.0.1.
#
# Environment: PGINIT_CACHE_DIR (image cache, default ~/.cache/pginit),
# PGINIT_DOCKER_ROOT / PGINIT_DOCKER_EXEC_ROOT (engine state), PGINIT_DOCKER_KEEP_ENGINE=1
# (leave an engine this run started running, for a quicker next run),
# PGINIT_DOCKER_SKIP_BUILD=1 (use the pginit image already in the engine instead of
# `make static` + docker build: for iterating on the tests while src/ does not build).
set -Eeuo pipefail
shopt -s inherit_errexit

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top"

# The compose files read these from the environment: the tests set what they need.
unset POSTGRES_PASSWORD APP_DB_PASSWORD PGINIT_SECRETS_DIR PGINIT_SSLMODE PGINIT_SAFETY_SSLMODE PGINIT_DEV_DB_PORT \
	COMPOSE_FILE COMPOSE_PROJECT_NAME COMPOSE_PROFILES
export POSTGRES_IMAGE=pginit-test/postgres:15
export PGINIT_IMAGE=pginit:local
BUILD_IMAGE=pginit-test/build:bookworm
# shellcheck disable=SC2034 # used by the *.test.sh files
PG17_IMAGE=pginit-test/postgres:17 MAX_IMAGE_BYTES=$((6 * 1000 * 1000))

say() { echo "docker-tests: $*"; }

# shellcheck source=tests/lib.sh
. "$top/tests/lib.sh"
# shellcheck source=tests/docker/helpers.sh
. "$here/helpers.sh"
for f in "$here"/*.test.sh; do
	# shellcheck source=/dev/null
	. "$f"
done
selected=${*:-${all_tests[*]}}

# ---------------------------------------------------------------- cleanup ------------

work=$(mktemp -d /tmp/pginit-docker-tests.XXXXXX)
: >"$work/empty.env"
started_engine=0
engine_up=0
volumes_before=""

cleanup() {
	local rc=$? line parts fargs f c n v
	trap - EXIT INT TERM
	if [ "$engine_up" = 1 ]; then
		# Every stack brought up (the tests run in subshells: they register in a file).
		if [ -s "$work/stacks" ]; then
			while IFS= read -r line; do
				IFS='|' read -ra parts <<<"$line"
				fargs=()
				for f in "${parts[@]:1}"; do fargs+=(-f "$f"); done
				docker-compose --env-file "$work/empty.env" -p "${parts[0]}" "${fargs[@]}" down -v --remove-orphans -t 5 \
					>>"$work/cleanup.log" 2>&1 || true
			done < <(sort -u "$work/stacks")
		fi
		# The Swarm stacks and the swarm a test made (tests/docker/swarm.test.sh).
		swarm_cleanup >>"$work/cleanup.log" 2>&1 || true
		# Whatever is left of this run: projects named *$$, containers we labelled,
		# volumes that were not there before (anonymous ones included).
		for c in $(docker ps -aq); do
			n=$(docker inspect -f '{{ index .Config.Labels "com.docker.compose.project" }}|{{ index .Config.Labels "org.pginit.test" }}' "$c" 2>/dev/null) || continue
			case "$n" in *"$$|"* | *"|$$") docker rm -fv "$c" >/dev/null 2>&1 || true ;; esac
		done
		for n in $(docker network ls -q --filter label=com.docker.compose.network); do
			case "$(docker network inspect -f '{{ index .Labels "com.docker.compose.project" }}' "$n")" in
			*"$$") docker network rm "$n" >/dev/null 2>&1 || true ;;
			esac
		done
		for v in $(docker volume ls -q); do
			grep -qxF "$v" <<<"$volumes_before" || docker volume rm "$v" >/dev/null 2>&1 || true
		done
		docker image prune -f >/dev/null 2>&1 || true
		if [ "$started_engine" = 1 ] && [ "${PGINIT_DOCKER_KEEP_ENGINE:-0}" != 1 ]; then
			"$here/engine.sh" stop >/dev/null || true
		fi
	fi
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- running ------------

passed=0
failed=0
results=()
# run_test NAME DESCRIPTION: runs test_NAME in a subshell with errexit; its output goes to
# a log printed only on failure; lines starting with "timing:" or "size:" are kept.
run_test() {
	local name=$1 desc=$2 log=$work/$1.log t0 rc line
	t0=$(now)
	set +e
	(
		set -e
		"test_$name"
	) >"$log" 2>&1
	rc=$?
	set -e
	while IFS= read -r line; do
		case "$line" in
		timing:*) timings+=("${line#timing: }") ;;
		esac
	done <"$log"
	grep -E '^(timing|size|note):' "$log" || true
	if [ "$rc" = 0 ]; then
		results+=("PASS: $name - $desc ($(since "$t0") s)")
		echo "PASS: $name - $desc ($(since "$t0") s)"
		passed=$((passed + 1))
	else
		results+=("FAIL: $name - $desc")
		echo "FAIL: $name - $desc (rc $rc, $(since "$t0") s); log:"
		sed 's/^/    | /' "$log" | tail -n 60
		failed=$((failed + 1))
	fi
}

# ---------------------------------------------------------------- main ---------------

t_all=$(now)
[ "$(id -u)" -eq 0 ] || { echo "docker-tests: must run as root (dockerd, debootstrap)" >&2; exit 1; }
"$top/scripts/install-deps.sh" docker static build

t0=$(now)
case "$("$here/engine.sh" start)" in
started) started_engine=1 ;;
esac
eval "$("$here/engine.sh" env)"
engine_up=1
say "engine up ($(since "$t0") s, $([ "$started_engine" = 1 ] && echo started || echo reused))"
volumes_before=$(docker volume ls -q)

setup_ok=1
skip_build=${PGINIT_DOCKER_SKIP_BUILD:-0}
t0=$(now)
images=(postgres15 postgres17)
[ "$skip_build" = 1 ] || images+=(build)
if "$here/images.sh" "${images[@]}"; then
	timing "local images (${images[*]})" "$(since "$t0")"
else
	setup_ok=0
	echo "FAIL: setup - local images could not be made"
fi

if [ "$skip_build" = 1 ]; then
	if docker image inspect "$PGINIT_IMAGE" >/dev/null 2>&1; then
		echo "note: PGINIT_DOCKER_SKIP_BUILD=1: testing the existing $PGINIT_IMAGE, not the current sources"
	else
		echo "FAIL: setup - PGINIT_DOCKER_SKIP_BUILD=1 but there is no $PGINIT_IMAGE"
		setup_ok=0
	fi
fi
# The host build fills build/static-deps, which the image build then reuses.
if [ "$setup_ok" = 1 ] && [ "$skip_build" != 1 ]; then
	t0=$(now)
	if make -s static >"$work/make-static.log" 2>&1; then
		timing "make static (host)" "$(since "$t0")"
		size=$(stat -c %s build/pginit-static)
		echo "size: build/pginit-static: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MiB)"
	else
		tail -n 30 "$work/make-static.log"
		echo "FAIL: setup - make static"
		setup_ok=0
	fi
fi
if [ "$setup_ok" = 1 ] && [ "$skip_build" != 1 ]; then
	t0=$(now)
	# SRCDIR: the static-deps cache records absolute paths; building at the same path
	# reuses it as it is (see the Dockerfile).
	if DOCKER_BUILDKIT=0 docker build --build-arg BUILD_IMAGE="$BUILD_IMAGE" --build-arg SRCDIR="$top" \
		--build-arg VERSION="$(sed -n 's/^VERSION *:= *//p' Makefile)" \
		-t "$PGINIT_IMAGE" "$top" >"$work/docker-build.log" 2>&1; then
		timing "docker build $PGINIT_IMAGE" "$(since "$t0")"
		grep -E '^Sending build context|^build-static-deps:|^static:' "$work/docker-build.log" || true
	else
		tail -n 40 "$work/docker-build.log"
		echo "FAIL: setup - docker build of $PGINIT_IMAGE"
		setup_ok=0
	fi
fi

for t in $selected; do
	[ -n "${test_desc[$t]:-}" ] || { echo "docker-tests: unknown test '$t' (tests: ${all_tests[*]})" >&2; exit 2; }
	if [ "$setup_ok" = 1 ] || [ "$t" = config ]; then
		run_test "$t" "${test_desc[$t]}"
	else
		results+=("FAIL: $t - not run (setup failed)")
		echo "FAIL: $t - not run (setup failed)"
		failed=$((failed + 1))
	fi
done

echo
echo "---- timings"
printf '  %s\n' "${timings[@]}"
echo "  whole suite: $(since "$t_all") s"
echo "---- results"
printf '  %s\n' "${results[@]}"
[ "$setup_ok" = 1 ] || failed=$((failed + 1))
echo "docker: $passed passed, $failed failed"
[ "$failed" = 0 ]
