#!/usr/bin/env bash
# Start, stop or query the Docker engine the docker tests use.
#
# Usage: tests/docker/engine.sh start|stop|status|env
#
# The engine is a dockerd of our own with its own data root, exec root, pid file and
# unix socket, so it never touches a system engine's state and can be started again on
# the same data root after a session was killed (its images stay there, which is what
# makes a second run fast). Only one engine runs at a time: a second dockerd on this
# machine removes the first one's bridge, so `start` refuses when a dockerd that is not
# ours is running.
#
#   start   idempotent; prints "started" or "running"; exit 0 when the engine answers
#   stop    stops the engine whose pid is in our pid file (and nothing else)
#   status  exit 0 if our engine answers
#   env     prints `export DOCKER_HOST=...` for eval
#
# Environment: PGINIT_DOCKER_ROOT (default /var/lib/pginit-docker),
#              PGINIT_DOCKER_EXEC_ROOT (default /run/pginit-docker).
set -euo pipefail

data_root=${PGINIT_DOCKER_ROOT:-/var/lib/pginit-docker}
exec_root=${PGINIT_DOCKER_EXEC_ROOT:-/run/pginit-docker}
sock=$exec_root/docker.sock
pidfile=$exec_root/dockerd.pid
logfile=$data_root/dockerd.log

die() {
	echo "engine: error: $*" >&2
	exit 1
}

our_pid() {
	local pid
	[ -r "$pidfile" ] || return 1
	pid=$(cat "$pidfile" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
	# A recycled pid must still be a dockerd to count as ours.
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ] || return 1
	echo "$pid"
}

answers() {
	DOCKER_HOST=unix://$sock docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

cmd_start() {
	local pid other
	[ "$(id -u)" -eq 0 ] || die "dockerd needs root"
	command -v dockerd >/dev/null || die "dockerd not found (scripts/install-deps.sh docker)"
	if pid=$(our_pid); then
		for _ in $(seq 1 100); do
			answers && { echo running; return 0; }
			sleep 0.2
		done
		die "dockerd pid $pid does not answer on $sock (see $logfile)"
	fi
	# One engine at a time: refuse to start next to somebody else's dockerd.
	for other in $(pgrep -x dockerd || true); do
		die "another dockerd is running (pid $other); stop it first"
	done
	mkdir -p "$data_root" "$exec_root"
	rm -f "$pidfile" "$sock"
	# setsid + redirections: the daemon must not hold the caller's terminal or pipes.
	setsid dockerd \
		--data-root "$data_root" \
		--exec-root "$exec_root" \
		--pidfile "$pidfile" \
		-H "unix://$sock" \
		--storage-driver overlay2 \
		</dev/null >>"$logfile" 2>&1 &
	for _ in $(seq 1 150); do
		if answers; then
			echo started
			return 0
		fi
		sleep 0.2
	done
	tail -n 20 "$logfile" >&2 || true
	die "dockerd did not answer within 30 s"
}

cmd_stop() {
	local pid
	if ! pid=$(our_pid); then
		rm -f "$pidfile"
		echo "not running"
		return 0
	fi
	kill -TERM "$pid"
	for _ in $(seq 1 150); do
		kill -0 "$pid" 2>/dev/null || { echo stopped; return 0; }
		sleep 0.2
	done
	echo "engine: dockerd pid $pid ignored SIGTERM for 30 s; killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$pidfile"
	echo killed
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) our_pid >/dev/null && answers ;;
env) echo "export DOCKER_HOST=unix://$sock" ;;
*)
	echo "usage: $0 start|stop|status|env" >&2
	exit 2
	;;
esac
