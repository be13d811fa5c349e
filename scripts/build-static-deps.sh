#!/usr/bin/env bash
# Build the static libraries that the fully static (musl) pginit links against:
# OpenSSL 3.0, libconfig 1.5 and libpq (from postgresql-15), all compiled with musl-gcc.
#
# Why from source: Debian's libpq.a / libcrypto.a / libconfig.a are built against glibc
# (__*_chk, __strdup, getcontext...) and libpq.a also wants GSSAPI/LDAP, so none of them
# links with musl-gcc.
#
# Sources are Debian's own source packages (the only registry reachable from here), fetched
# with `apt-get source --download-only` through a private, temporary apt configuration, so
# /etc/apt and /var/lib/apt are never touched. Debian's patches are applied; for libpq
# that means the default socket directory is /var/run/postgresql, as with Debian's libpq.
#
# Layout (everything under $PGINIT_STATIC_DEPS_DIR, default build/static-deps):
#   dl/<name>/     the downloaded .dsc + tarballs        stamps/<name>.src   its version
#   src/<name>/    the unpacked tree, built in place     stamps/<name>.built its recipe
#   prefix/        include/ and lib/ for the final link  stamps/all          newest change
#   logs/<name>.log  full build output
# Idempotent: a component is rebuilt only when its stamp is missing or its recipe (version
# and build flags, and for libpq the OpenSSL recipe) changed. `rm -rf build/static-deps`
# starts from nothing and picks up the newest source versions again.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
base=${PGINIT_STATIC_DEPS_DIR:-$root/build/static-deps}
prefix=$base/prefix
stamps=$base/stamps
logs=$base/logs
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
# Microseconds since the epoch (EPOCHREALTIME's radix character depends on the locale).
now_us() { echo "${EPOCHREALTIME//[!0-9]/}"; }
start_us=$(now_us)

die() {
	echo "build-static-deps: $*" >&2
	exit 1
}
note() { echo "build-static-deps: $*" >&2; }

"$root/scripts/install-deps.sh" static build

mkdir -p "$base" "$stamps" "$logs" "$base/dl" "$base/src" "$prefix/include" "$prefix/lib"
# Two `make static` runs at once must not build into the same trees.
exec 9>"$base/.lock"
flock 9

host_arch=$(dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null)
case "$host_arch" in
amd64) ossl_target=linux-x86_64 ;;
arm64) ossl_target=linux-aarch64 ;;
*) die "no OpenSSL target known for architecture '$host_arch'" ;;
esac

# musl-gcc passes -nostdinc, so the kernel headers (linux/, asm/, asm-generic/ from
# linux-libc-dev) are invisible to it. Offer exactly those three, after musl's own headers,
# through a directory of symlinks; adding all of /usr/include would pull in glibc headers.
kheaders=$base/kernel-headers
mkdir -p "$kheaders"
ln -sfn /usr/include/linux "$kheaders/linux"
ln -sfn "/usr/include/$multiarch/asm" "$kheaders/asm"
ln -sfn /usr/include/asm-generic "$kheaders/asm-generic"
[ -e "$kheaders/asm/types.h" ] || die "kernel headers missing: is linux-libc-dev installed?"

export CC=musl-gcc
command -v "$CC" >/dev/null || die "$CC not found"

# ---------------------------------------------------------------- private apt setup
apt_dir=""
apt_opts=()
cleanup() { if [ -n "$apt_dir" ]; then rm -rf "$apt_dir"; fi; }
trap cleanup EXIT

# Set up a throw-away apt configuration whose sources are the machine's own, turned into
# deb-src. It lives in a temporary directory, never in the repository: its files name the
# mirror, and no mirror host name may end up in a file of the repo.
apt_setup() {
	[ -n "$apt_dir" ] && return 0
	apt_dir=$(mktemp -d "${TMPDIR:-/tmp}/pginit-aptsrc.XXXXXX")
	# apt downloads as the unprivileged _apt user, which must be able to reach lists/partial.
	chmod 755 "$apt_dir"
	mkdir -p "$apt_dir/parts" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	local f n=0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# deb822 stanzas: whatever the Types, ask for source indexes only.
		sed -E 's/^Types:.*$/Types: deb-src/' "$f" >"$apt_dir/parts/src$n.sources"
		n=$((n + 1))
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# One-line format: each "deb [opts] uri suite comps" becomes "deb-src ..."; existing
		# deb-src lines are dropped so that apt does not warn about duplicates.
		sed -nE 's/^[[:space:]]*deb([[:space:]]+)/deb-src\1/p' "$f" >"$apt_dir/parts/src$n.list"
		n=$((n + 1))
	done
	grep -qsE '^(Types: deb-src|deb-src[[:space:]])' "$apt_dir"/parts/* ||
		die "no apt source found in /etc/apt to derive deb-src entries from"
	: >"$apt_dir/sources.list"
	apt_opts=(
		-o "Dir::Etc::SourceList=$apt_dir/sources.list"
		-o "Dir::Etc::SourceParts=$apt_dir/parts"
		-o "Dir::State::Lists=$apt_dir/lists"
		-o "Dir::Cache=$apt_dir/cache"
	)
	note "fetching the Debian source indexes (private apt lists in a temporary directory)"
	apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1 || {
		cat "$apt_dir/update.log" >&2
		die "apt-get update of the deb-src indexes failed"
	}
}

# Print the versions of source package $1 known to the private indexes, newest first.
source_versions() {
	local pkg=$1 v sorted=() out=() i inserted
	while read -r v; do sorted+=("$v"); done < <(
		apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>/dev/null |
			awk -v p="$pkg" '/^Package: /{ok = ($2 == p)} ok && /^Version: /{print $2}' | sort -u
	)
	# Insertion sort with dpkg's own ordering (handles ~ and epochs); the list is tiny.
	for v in "${sorted[@]}"; do
		inserted=0
		for i in "${!out[@]}"; do
			if dpkg --compare-versions "$v" gt "${out[$i]}"; then
				out=("${out[@]:0:$i}" "$v" "${out[@]:$i}")
				inserted=1
				break
			fi
		done
		[ "$inserted" = 1 ] || out+=("$v")
	done
	printf '%s\n' "${out[@]}"
}

# fetch_source NAME PKG VERSION-GLOB: make sure dl/NAME holds a complete source package and
# set src_ver to its version (a variable, not output: a $(...) subshell would lose the apt
# setup and redo it for every package). The newest security versions are sometimes listed in the index but not
# yet (or no longer) in the pool (404), hence: newest first, fall back to older ones.
fetch_source() {
	local name=$1 pkg=$2 glob=$3 v dsc tmp why
	if [ -s "$stamps/$name.src" ]; then
		v=$(cat "$stamps/$name.src")
		dsc=$base/dl/$name/${pkg}_${v#*:}.dsc
		if [ -f "$dsc" ]; then
			src_ver=$v
			return 0
		fi
	fi
	apt_setup
	local versions
	versions=$(source_versions "$pkg")
	[ -n "$versions" ] || die "no source package '$pkg' in the deb-src indexes"
	for v in $versions; do
		# shellcheck disable=SC2254 # $glob is a pattern on purpose
		case "$v" in $glob) ;; *) continue ;; esac
		tmp=$(mktemp -d "$apt_dir/get.XXXXXX")
		chmod 755 "$tmp"
		# Let the _apt sandbox user write the download directory (else apt warns and
		# downloads unsandboxed as root).
		if [ "$(id -u)" -eq 0 ] && id -u _apt >/dev/null 2>&1; then chown _apt "$tmp"; fi
		if (cd "$tmp" && apt-get "${apt_opts[@]}" -q source --download-only "$pkg=$v") \
			>"$tmp.log" 2>&1; then
			rm -rf "$base/dl/$name"
			mkdir -p "$base/dl/$name"
			mv "$tmp"/* "$base/dl/$name/"
			echo "$v" >"$stamps/$name.src"
			note "$pkg $v downloaded"
			src_ver=$v
			return 0
		fi
		why=$(sed -nE 's/^E: Failed to fetch .* ([0-9]{3}) +([A-Za-z][A-Za-z ]*[a-z]).*/HTTP \1 \2/p' "$tmp.log" | head -n 1)
		note "$pkg $v could not be downloaded (${why:-see below}); trying an older one"
		[ -n "$why" ] || tail -n 5 "$tmp.log" >&2
		rm -rf "$tmp"
	done
	die "no downloadable version of '$pkg' matching '$glob'"
}

# unpack NAME PKG VERSION: a fresh tree in src/NAME (Debian patches applied).
unpack() {
	local name=$1 pkg=$2 v=$3
	rm -rf "$base/src/$name"
	dpkg-source -x "$base/dl/$name/${pkg}_${v#*:}.dsc" "$base/src/$name" >>"$logs/$name.log" 2>&1 ||
		fail "$name" "dpkg-source -x"
}

fail() {
	echo "----- last lines of $logs/$1.log" >&2
	tail -n 40 "$logs/$1.log" >&2
	die "$1: $2 failed (full log: $logs/$1.log)"
}

# run NAME CMD...: run a build step in src/NAME, its output appended to logs/NAME.log.
run() {
	local name=$1
	shift
	echo "+ $*" >>"$logs/$name.log"
	(cd "$base/src/$name" && "$@") >>"$logs/$name.log" 2>&1 || fail "$name" "$*"
}

# up_to_date NAME RECIPE FILE...: stamp matches and every output exists.
up_to_date() {
	local name=$1 recipe=$2 f
	shift 2
	[ -f "$stamps/$name.built" ] && [ "$(cat "$stamps/$name.built")" = "$recipe" ] || return 1
	for f in "$@"; do [ -e "$prefix/$f" ] || return 1; done
}

src_ver=
built=()
cached=()
summary=()

# ---------------------------------------------------------------- OpenSSL
fetch_source openssl openssl '3.0.*'
ossl_ver=$src_ver
# no-shared: only .a files. no-tests: the test programs are not needed and slow.
# no-afalgeng: the AF_ALG engine needs kernel crypto headers and is useless here.
# --libdir=lib: linux-x86_64 would otherwise install into lib64.
# --openssldir=/etc/ssl: the config file and CA directory where both Debian and Alpine keep
# them (set OPENSSL_CONF to override at run time).
ossl_args=("$ossl_target" no-shared no-tests no-afalgeng "--prefix=$prefix" --libdir=lib
	--openssldir=/etc/ssl "-idirafter$kheaders")
ossl_recipe="openssl $ossl_ver | ${ossl_args[*]}"
ossl_out=(lib/libssl.a lib/libcrypto.a include/openssl/ssl.h include/openssl/evp.h)
if up_to_date openssl "$ossl_recipe" "${ossl_out[@]}"; then
	cached+=(openssl)
else
	t=$SECONDS
	: >"$logs/openssl.log"
	note "building OpenSSL $ossl_ver (2-3 min on 2 cores)"
	unpack openssl openssl "$ossl_ver"
	run openssl ./Configure "${ossl_args[@]}"
	# build_libs + install_dev: libraries and headers only (no apps, docs or man pages).
	run openssl make -j"$jobs" build_libs
	run openssl make install_dev
	rm -f "$stamps/libpq.built" # libpq links against this OpenSSL: rebuild it too
	echo "$ossl_recipe" >"$stamps/openssl.built"
	built+=("openssl($((SECONDS - t))s)")
fi
summary+=("openssl $ossl_ver")

# ---------------------------------------------------------------- libconfig
fetch_source libconfig libconfig '1.5*'
cfg_ver=$src_ver
cfg_args=("--prefix=$prefix" --disable-shared --enable-static --disable-cxx --disable-examples)
cfg_cppflags="-idirafter $kheaders"
cfg_recipe="libconfig $cfg_ver | ${cfg_args[*]} | $cfg_cppflags"
cfg_out=(lib/libconfig.a include/libconfig.h)
if up_to_date libconfig "$cfg_recipe" "${cfg_out[@]}"; then
	cached+=(libconfig)
else
	t=$SECONDS
	: >"$logs/libconfig.log"
	note "building libconfig $cfg_ver"
	unpack libconfig libconfig "$cfg_ver"
	run libconfig env CPPFLAGS="$cfg_cppflags" ./configure "${cfg_args[@]}"
	# Only the C library: the tests, examples and docs are not needed.
	run libconfig make -j"$jobs" -C lib libconfig.la
	run libconfig install -m 644 lib/.libs/libconfig.a "$prefix/lib/libconfig.a"
	run libconfig install -m 644 lib/libconfig.h "$prefix/include/libconfig.h"
	echo "$cfg_recipe" >"$stamps/libconfig.built"
	built+=("libconfig($((SECONDS - t))s)")
fi
summary+=("libconfig $cfg_ver")

# ---------------------------------------------------------------- libpq
fetch_source libpq postgresql-15 '15.*'
pq_ver=$src_ver
# Only what libpq needs: no readline/zlib/ICU (server or psql features), no GSSAPI/LDAP
# (they would drag in Kerberos and OpenLDAP, which have no musl build here).
# --sysconfdir: where Debian's libpq looks for pg_service.conf.
pq_args=(--prefix=/usr --sysconfdir=/etc/postgresql-common --without-readline --without-zlib
	--without-icu --without-gssapi --without-ldap --with-ssl=openssl)
pq_cppflags="-idirafter $kheaders -I$prefix/include"
pq_ldflags="-L$prefix/lib"
pq_recipe="postgresql-15 $pq_ver | ${pq_args[*]} | $pq_cppflags | $pq_ldflags | $ossl_recipe"
pq_out=(lib/libpq.a lib/libpgcommon_shlib.a lib/libpgport_shlib.a include/libpq-fe.h
	include/postgres_ext.h include/pg_config_ext.h)
if up_to_date libpq "$pq_recipe" "${pq_out[@]}"; then
	cached+=(libpq)
else
	t=$SECONDS
	: >"$logs/libpq.log"
	note "building libpq from postgresql-15 $pq_ver"
	unpack libpq postgresql-15 "$pq_ver"
	run libpq env CPPFLAGS="$pq_cppflags" LDFLAGS="$pq_ldflags" ./configure "${pq_args[@]}"
	run libpq make -j"$jobs" -C src/include
	# Headers such as utils/errcodes.h are generated by the backend's makefile; only a
	# top-level make creates them on its own, and src/common needs them.
	run libpq make -C src/backend generated-headers
	run libpq make -j"$jobs" -C src/common libpgcommon_shlib.a
	run libpq make -j"$jobs" -C src/port libpgport_shlib.a
	# all-static-lib, not all: the default target also links libpq.so and then checks that
	# it does not call exit(); with a static-only libcrypto that check fails. Only the
	# archive is wanted anyway.
	run libpq make -j"$jobs" -C src/interfaces/libpq all-static-lib
	run libpq install -m 644 src/interfaces/libpq/libpq.a src/common/libpgcommon_shlib.a \
		src/port/libpgport_shlib.a "$prefix/lib/"
	run libpq install -m 644 src/interfaces/libpq/libpq-fe.h src/interfaces/libpq/libpq-events.h \
		src/include/postgres_ext.h src/include/pg_config_ext.h "$prefix/include/"
	echo "$pq_recipe" >"$stamps/libpq.built"
	built+=("libpq($((SECONDS - t))s)")
fi
summary+=("libpq $pq_ver")

for f in "${ossl_out[@]}" "${cfg_out[@]}" "${pq_out[@]}"; do
	[ -s "$prefix/$f" ] || die "missing after build: $prefix/$f"
done
# stamps/all changes only when a library changed, so that make relinks only then.
if [ "${#built[@]}" -gt 0 ] || [ ! -f "$stamps/all" ]; then touch "$stamps/all"; fi

if [ "${#built[@]}" -gt 0 ]; then
	what="built ${built[*]}${cached:+; cached ${cached[*]}}"
else
	what="all cached"
fi
el=$(($(now_us) - start_us))
printf 'build-static-deps: %s -> %s: %s, %d.%d s\n' "${summary[*]// /=}" "${prefix#"$root"/}" "$what" \
	$((el / 1000000)) $((el / 100000 % 10))
