#!/usr/bin/env bash
# Install the real dbmate for the peer tests (tests/integration/peers.test.sh):
# npm's `dbmate` package ships dbmate's static Go binary. Cached in
# ~/.cache/pginit/npm (the directory bench/run.sh uses too); nothing happens
# when the pinned version is already there. npm itself comes from the
# distribution when it is missing.
#   PGINIT_DBMATE_VERSION (2.36.0)   PGINIT_NPM_DIR (~/.cache/pginit/npm)
set -euo pipefail

version=${PGINIT_DBMATE_VERSION:-2.36.0}
dir=${PGINIT_NPM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pginit/npm}
bin=$dir/node_modules/.bin/dbmate

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -qF "version $version"; then
	exit 0
fi
if ! command -v npm >/dev/null; then
	sudo=
	[ "$(id -u)" -ne 0 ] && sudo=sudo
	echo "install-dbmate: installing npm" >&2
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
echo "install-dbmate: dbmate@$version into $dir" >&2
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --silent "dbmate@$version"
"$bin" --version
