#!/usr/bin/env bash
# shellcheck disable=SC2154 # $top, $work and the image variables are set by run.sh
# The prod stack with TLS as its comments describe it.
# Sourced by tests/docker/run.sh (helpers: tests/lib.sh, tests/docker/helpers.sh).

docker_test tls "prod stack with TLS as documented: verify-full from the scratch image; wrong CA -> 6"

# tls_files DIR: a CA, a server certificate for the host name db signed by it, and a
# second CA that did not sign it.
tls_files() {
	local d=$1
	mkdir -p "$d"
	(
		cd "$d"
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pginit-test-ca \
			-keyout ca.key -out ca.crt
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pginit-other-ca \
			-keyout other-ca.key -out other-ca.crt
		openssl req -newkey rsa:2048 -nodes -subj /CN=db -keyout server.key -out server.csr
		printf 'subjectAltName=DNS:db\n' >server.ext
		openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
			-extfile server.ext -out server.crt
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log"; fail "openssl"; }
	chmod 0644 "$d/ca.crt" "$d/other-ca.crt" "$d/server.crt"
}

# TLS as docker-compose.prod.yml's comments describe it: server certificate and key and
# the CA as secrets, sslmode=verify-full for pginit, through the static OpenSSL of the
# FROM-scratch image.
test_tls() {
	local p=pgs$$ f=docker-compose.prod.yml s=$work/tls-secrets d=$work/tls override uid init db \
		net rc line
	prod_secrets "$s"
	export PGINIT_SECRETS_DIR=$s
	tls_files "$d"
	# The key must belong to the server's user (mode 0600), whatever its uid in the image.
	uid=$(docker run --rm --label org.pginit.test="$$" --entrypoint id "$POSTGRES_IMAGE" -u postgres)
	chown "$uid" "$d/server.key"
	chmod 0600 "$d/server.key"
	override=$work/tls.override.yml
	cat >"$override" <<-EOF
		services:
		  db:
		    command: ["postgres", "-c", "log_connections=on", "-c", "ssl=on",
		              "-c", "ssl_cert_file=/run/secrets/server_crt",
		              "-c", "ssl_key_file=/run/secrets/server_key",
		              "-c", "ssl_min_protocol_version=TLSv1.3"]
		    secrets: [postgres_password, server_crt, server_key]
		  init:
		    environment:
		      PGINIT_SSLMODE: verify-full
		      PGINIT_SSLROOTCERT: /run/secrets/db_ca
		    secrets: [postgres_password, app_db_password, db_ca]
		secrets:
		  server_crt:
		    file: $d/server.crt
		  server_key:
		    file: $d/server.key
		  db_ca:
		    file: $d/ca.crt
	EOF
	dc "$p" "$f" "$override" -- up -d
	init=$(cid "$p" init) db=$(cid "$p" db) net=${p}_backend
	assert_eq 0 "$(wait_exit "$init")" "init exit code (verify-full)"
	line=$(docker logs "$db" 2>&1 |
		grep -E 'connection authorized: .*application_name=pginit.* SSL enabled \(protocol=TLSv1.3' || true)
	[ -n "$line" ] || fail "no TLS 1.3 connection from pginit in the server log"
	echo "${line%%$'\n'*}"
	echo "ok: pginit connected with TLS 1.3 and verified the server certificate"
	# A CA that did not sign the server certificate: refused, exit code 6.
	rc=0
	docker run --rm --label org.pginit.test="$$" --network "$net" \
		-v "$s/postgres_password:/run/secrets/postgres_password:ro" \
		-v "$s/app_db_password:/run/secrets/app_db_password:ro" \
		-v "$d/other-ca.crt:/run/secrets/db_ca:ro" \
		-e PGINIT_PROFILE=prod -e PGHOST=db -e PGINIT_SSLMODE=verify-full \
		-e PGINIT_SSLROOTCERT=/run/secrets/db_ca -e PGINIT_WAIT_TIMEOUT=5 \
		"$PGINIT_IMAGE" >"$work/tls-wrong-ca.log" 2>&1 || rc=$?
	echo "note: wrong CA: $(grep -m1 error "$work/tls-wrong-ca.log" || true)"
	assert_eq 6 "$rc" "init exit code with the wrong CA"
	dc "$p" "$f" "$override" -- down -v
}
