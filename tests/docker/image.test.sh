#!/usr/bin/env bash
# shellcheck disable=SC2154 # $top, $work and the image variables are set by run.sh
# The pginit image itself: size, user, entrypoint, files, exit codes without a server.
# Sourced by tests/docker/run.sh (helpers: tests/lib.sh, tests/docker/helpers.sh).

docker_test image "image: FROM scratch, <= 6 MB, user 65532, entrypoint, files"

test_image() {
	local size user
	size=$(docker image inspect -f '{{.Size}}' "$PGINIT_IMAGE")
	echo "size: image $PGINIT_IMAGE: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f", s / 1048576 }') MiB)"
	[ "$size" -le "$MAX_IMAGE_BYTES" ] || fail "image is $size bytes, more than $MAX_IMAGE_BYTES"
	user=$(docker image inspect -f '{{.Config.User}}' "$PGINIT_IMAGE")
	assert_eq "65532:65532" "$user" "image user"
	assert_eq '[/pginit]' "$(docker image inspect -f '{{.Config.Entrypoint}}' "$PGINIT_IMAGE")" "entrypoint"
	assert_eq '[run]' "$(docker image inspect -f '{{.Config.Cmd}}' "$PGINIT_IMAGE")" "cmd"
	docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$PGINIT_IMAGE" |
		grep -x 'PGINIT_CONFIG=/etc/pginit/pginit.conf' >/dev/null || fail "PGINIT_CONFIG not set in the image"
	docker run --rm --label org.pginit.test="$$" "$PGINIT_IMAGE" version | grep '^pginit ' >/dev/null ||
		fail "pginit version did not run"
	# The files the image must have, listed from an exported (never started) container.
	local c listing f
	c=$(docker create --label org.pginit.test="$$" "$PGINIT_IMAGE")
	listing=$(docker export "$c" | tar -t)
	docker rm "$c" >/dev/null
	for f in pginit etc/passwd etc/group etc/ssl/certs/ca-certificates.crt etc/pginit/pginit.conf \
		etc/pginit/migrations/ etc/pginit/seeds/ etc/pginit/initdb.d/ tmp/; do
		grep -qx "$f" <<<"$listing" || fail "image lacks /$f"
	done
	echo "ok: files present"
	# Documented exit codes from the container, without a server (--network none):
	# 3 unknown profile, 4 prod without the app secret, 5 wait timeout (the dev profile
	# first writes a generated app password to the image's /run/pginit).
	local rc
	for c in "3 -e PGINIT_PROFILE=nosuch -e POSTGRES_PASSWORD=x" \
		"4 -e PGINIT_PROFILE=prod -e POSTGRES_PASSWORD=x" \
		"5 -e PGINIT_PROFILE=dev -e POSTGRES_PASSWORD=x -e PGINIT_WAIT_TIMEOUT=2"; do
		rc=0
		# shellcheck disable=SC2086 # option list
		docker run --rm --label org.pginit.test="$$" --network none -e PGHOST=127.0.0.1 ${c#* } \
			"$PGINIT_IMAGE" >"$work/image-rc.log" 2>&1 || rc=$?
		assert_eq "${c%% *}" "$rc" "exit code with${c#* }"
	done
	grep -q '/run/pginit/credentials.env' "$work/image-rc.log" ||
		fail "no generated credentials in /run/pginit: $(cat "$work/image-rc.log")"
}
