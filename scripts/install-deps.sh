#!/usr/bin/env bash
# Install the Debian packages a pginit task needs, and nothing that is already there.
# Usage: scripts/install-deps.sh GROUP...   (build | test | static | fuzz | docker | lint | bench | all)
# Idempotent: a group whose packages are all installed costs one dpkg query.
set -euo pipefail

pkgs_build="gcc make pkg-config libpq-dev libconfig-dev libssl-dev"
pkgs_test="postgresql-15 postgresql-client-15 postgresql-contrib python3 python3-yaml bc openssl procps locales pgbouncer"
pkgs_static="musl-tools linux-libc-dev dpkg-dev file ca-certificates"
# libFuzzer and the sanitizers' runtimes (make fuzz)
pkgs_fuzz="clang libclang-rt-14-dev"
pkgs_docker="docker.io docker-compose debootstrap iptables zstd ca-certificates procps iproute2"
pkgs_lint="shellcheck cppcheck valgrind"
# bench: GNU time for peak RSS, npm for dbmate (unless an npm is there already:
# NodeSource's nodejs ships its own and conflicts with Debian's npm package)
pkgs_bench="time file"
command -v npm >/dev/null 2>&1 || pkgs_bench="$pkgs_bench npm"
# test: the peer tests run the real dbmate, from npm too (scripts/install-dbmate.sh)
command -v npm >/dev/null 2>&1 || pkgs_test="$pkgs_test npm"

want=""
dbmate=0
for group in "$@"; do
	case "$group" in
	build) want="$want $pkgs_build" ;;
	test) want="$want $pkgs_test"; dbmate=1 ;;
	static) want="$want $pkgs_static" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	docker) want="$want $pkgs_docker" ;;
	lint) want="$want $pkgs_lint" ;;
	bench) want="$want $pkgs_bench" ;;
	all) want="$want $pkgs_build $pkgs_test $pkgs_static $pkgs_fuzz $pkgs_docker $pkgs_lint $pkgs_bench"; dbmate=1 ;;
	*) echo "install-deps: unknown group '$group'" >&2; exit 2 ;;
	esac
done

# The integration tests run a server with lc_messages = de_DE.UTF-8 (retry decisions must not read
# English text); PostgreSQL ships the translations, the locale itself must be generated.
gen_locale() {
	case " $want " in *" locales "*) ;; *) return 0 ;; esac
	locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$' && return 0
	command -v locale-gen >/dev/null || return 0
	local s=
	[ "$(id -u)" -ne 0 ] && s=sudo
	$s sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
	grep -q '^de_DE.UTF-8 UTF-8' /etc/locale.gen || echo 'de_DE.UTF-8 UTF-8' | $s tee -a /etc/locale.gen >/dev/null
	$s locale-gen >/dev/null
}

missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# The test group also needs the real dbmate (npm; cached, see the script) and the de_DE locale.
finish() {
	gen_locale
	[ "$dbmate" = 1 ] && "$(dirname "$0")/install-dbmate.sh"
	exit 0
}
[ -z "$missing" ] && finish

if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
else
	sudo=
fi
echo "install-deps: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Only update the package lists when they are missing or older than a day.
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
	$sudo apt-get update -qq
fi
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
finish
