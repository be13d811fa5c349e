#!/usr/bin/env bash
# Build (or load from the on-disk cache) the local images the docker tests need.
#
# Usage: tests/docker/images.sh [IMAGE...]     (default: all)
#   postgres15   pginit-test/postgres:15   Debian bookworm + postgresql-15
#   postgres17   pginit-test/postgres:17   Debian trixie + postgresql-17
#   build        pginit-test/build:bookworm  Debian bookworm + the static build toolchain
#                (the BUILD_IMAGE of the project Dockerfile's build stage in these tests)
#
# Nothing can be pulled on the test machines, so each image is made from a debootstrap'd
# minbase root file system. The Debian mirror is taken from this machine's apt
# configuration at run time and is never written into a project file.
#
# Each image carries a label with a hash of its recipe (this file, the server entrypoint,
# the package lists of scripts/install-deps.sh). Order of preference:
#   1. the image is in the engine with the current hash: nothing to do
#   2. $PGINIT_CACHE_DIR/images/NAME-HASH.tar.zst exists: `docker load` it (~5 s)
#   3. build it (~45-90 s), then `docker save | zstd` it into the cache
# Needs root (debootstrap, chroot) and a running engine (DOCKER_HOST set by the caller,
# see tests/docker/engine.sh).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
cache_dir=${PGINIT_CACHE_DIR:-$HOME/.cache/pginit}/images
label=org.pginit.test.recipe

log() { echo "images: $*" >&2; }
die() {
	echo "images: error: $*" >&2
	exit 1
}

# The site of the machine's main Debian suite (not -updates, not -security).
debian_mirror() {
	local site
	# shellcheck disable=SC2016 # apt's format fields, not shell
	site=$(apt-get indextargets --format '$(SITE) $(RELEASE)' 'Identifier: Packages' 2>/dev/null |
		awk '$2 !~ /-/ && $1 ~ /debian$/ { print $1; exit }')
	[ -n "$site" ] || die "no Debian mirror in this machine's apt configuration (run apt-get update)"
	echo "$site"
}

# Package list of a group of scripts/install-deps.sh, so the build image makes that
# script a no-op when the Dockerfile runs it.
install_deps_group() {
	sed -n "s/^pkgs_$1=\"\\(.*\\)\"\$/\\1/p" "$top/scripts/install-deps.sh"
}

recipe_hash() {
	local name=$1
	{
		cat "${BASH_SOURCE[0]}"
		case "$name" in
		postgres*) cat "$here/postgres/docker-entrypoint.sh" ;;
		build) install_deps_group build && install_deps_group static ;;
		esac
	} | sha256sum | cut -c1-12
}

image_hash() {
	docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null || true
}

# --- root file systems ---------------------------------------------------------------

rootfs=""
cleanup_rootfs() {
	if [ -n "$rootfs" ] && [ -d "$rootfs" ]; then
		# Never rm -rf a tree with a live /proc or /dev in it.
		for m in proc dev/pts; do
			if mountpoint -q "$rootfs/$m"; then
				umount "$rootfs/$m" || umount -l "$rootfs/$m"
			fi
		done
		if grep -q " $rootfs/" /proc/mounts; then
			log "warning: mounts left under $rootfs; not removing it"
		else
			rm -rf "$rootfs"
		fi
	fi
	rootfs=""
}
trap cleanup_rootfs EXIT

# make_rootfs SUITE PACKAGES...: a minbase root file system with PACKAGES installed,
# service starts blocked, caches and docs removed. Sets $rootfs.
make_rootfs() {
	local suite=$1 mirror
	shift
	mirror=$(debian_mirror)
	rootfs=$(mktemp -d /var/tmp/pginit-rootfs.XXXXXX)
	log "debootstrap $suite (minbase)"
	debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 ||
		{ tail -n 20 "$rootfs.log" >&2; die "debootstrap $suite failed (log: $rootfs.log)"; }
	rm -f "$rootfs.log"
	# No daemon may start inside the chroot; no cluster is created by the package.
	printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
	chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
	mkdir -p "$rootfs/etc/postgresql-common/createcluster.d"
	echo 'create_main_cluster = false' >"$rootfs/etc/postgresql-common/createcluster.d/pginit-test.conf"
	printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
		>"$rootfs/etc/apt/apt.conf.d/90pginit-test"
	cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
	mount -t proc proc "$rootfs/proc"
	log "installing in the chroot: $*"
	chroot "$rootfs" env DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 \
		sh -c 'apt-get update -qq && apt-get install -y -qq "$@"' sh "$@" >"$rootfs.log" 2>&1 ||
		{ tail -n 30 "$rootfs.log" >&2; die "package install in $suite chroot failed"; }
	rm -f "$rootfs.log"
	umount "$rootfs/proc"
	chroot "$rootfs" apt-get clean
	rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
		"$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
		"$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* "$rootfs"/tmp/*
	: >"$rootfs/etc/resolv.conf"
}

# import_rootfs TAG HASH DOCKERFILE-LINES: import $rootfs and finish the image with a
# docker build (import --change on engine 20.10 rejects STOPSIGNAL and HEALTHCHECK).
import_rootfs() {
	local tag=$1 hash=$2 lines=$3 tmp
	tmp=pginit-test/rootfs:$$
	tar -C "$rootfs" --numeric-owner -c . | docker import - "$tmp" >/dev/null
	printf 'FROM %s\nLABEL %s=%s\n%s\n' "$tmp" "$label" "$hash" "$lines" |
		DOCKER_BUILDKIT=0 docker build -q -t "$tag" - >/dev/null 2>&1 ||
		die "docker build of $tag failed"
	docker rmi "$tmp" >/dev/null
	cleanup_rootfs
}

build_postgres() {
	local tag=$1 hash=$2 suite ver llvm
	case "$tag" in
	*:15) suite=bookworm ver=15 ;;
	*:17) suite=trixie ver=17 ;;
	*) die "unknown server image $tag" ;;
	esac
	make_rootfs "$suite" "postgresql-$ver"
	# LLVM is ~100 MB and only serves JIT: drop it and the JIT provider (without
	# llvmjit.so the server silently runs without JIT).
	# shellcheck disable=SC2016 # dpkg-query's format field
	llvm=$(chroot "$rootfs" dpkg-query -W -f '${Package}\n' 'libllvm*' 2>/dev/null || true)
	if [ -n "$llvm" ]; then
		# shellcheck disable=SC2086
		chroot "$rootfs" dpkg --purge --force-depends $llvm >/dev/null 2>&1 || true
	fi
	rm -rf "$rootfs/usr/lib/postgresql/$ver/lib/llvmjit"* "$rootfs/usr/lib/postgresql/$ver/lib/bitcode"
	install -m 0755 "$here/postgres/docker-entrypoint.sh" "$rootfs/usr/local/bin/docker-entrypoint.sh"
	mkdir -p "$rootfs/docker-entrypoint-initdb.d"
	import_rootfs "$tag" "$hash" "$(
		cat <<-EOF
			ENV PATH=/usr/lib/postgresql/$ver/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
			ENV LANG=C.UTF-8 PGDATA=/var/lib/postgresql/data
			VOLUME /var/lib/postgresql/data
			EXPOSE 5432
			STOPSIGNAL SIGINT
			ENTRYPOINT ["docker-entrypoint.sh"]
			CMD ["postgres"]
		EOF
	)"
}

build_build() {
	local tag=$1 hash=$2 mirror
	mirror=$(debian_mirror)
	# shellcheck disable=SC2046 # word lists
	make_rootfs bookworm $(install_deps_group build) $(install_deps_group static)
	# Sources in the deb822 form of the official Debian images (deb and deb-src), so the
	# build stage can also fetch source packages when no build/static-deps cache is
	# present. This file lives only inside the test image.
	rm -f "$rootfs/etc/apt/sources.list"
	cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<-EOF
		Types: deb
		URIs: $mirror
		Suites: bookworm
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	import_rootfs "$tag" "$hash" "$(
		cat <<-'EOF'
			ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
			CMD ["bash"]
		EOF
	)"
}

# ensure NAME: the image in the engine with the current recipe hash.
ensure() {
	local name=$1 tag hash file t0
	case "$name" in
	postgres15) tag=pginit-test/postgres:15 ;;
	postgres17) tag=pginit-test/postgres:17 ;;
	build) tag=pginit-test/build:bookworm ;;
	*) die "unknown image '$name' (postgres15 postgres17 build)" ;;
	esac
	hash=$(recipe_hash "$name")
	file=$cache_dir/$name-$hash.tar.zst
	t0=$(date +%s.%N)
	if [ "$(image_hash "$tag")" = "$hash" ]; then
		log "$tag: present (recipe $hash)"
		return 0
	fi
	if [ -s "$file" ]; then
		zstd -q -dc "$file" | docker load -q >/dev/null
		if [ "$(image_hash "$tag")" = "$hash" ]; then
			log "$tag: loaded from $file in $(elapsed "$t0") s"
			return 0
		fi
		log "$tag: cache file $file did not yield the image; rebuilding"
	fi
	case "$name" in
	postgres*) build_postgres "$tag" "$hash" ;;
	build) build_build "$tag" "$hash" ;;
	esac
	log "$tag: built in $(elapsed "$t0") s ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
	mkdir -p "$cache_dir"
	rm -f "$cache_dir/$name"-*.tar.zst
	docker save "$tag" | zstd -q -T0 -6 -o "$file.tmp"
	mv "$file.tmp" "$file"
	log "$tag: cached as $file ($(du -m "$file" | cut -f1) MB)"
}

elapsed() {
	awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot)"
docker version >/dev/null 2>&1 || die "no engine answers (start one: tests/docker/engine.sh start; eval \"\$(tests/docker/engine.sh env)\")"
[ $# -gt 0 ] || set -- postgres15 postgres17 build
for name in "$@"; do
	ensure "$name"
done
