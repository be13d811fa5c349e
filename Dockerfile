# pginit container image: a fully static musl binary on an empty base.
#
#   docker build -t pginit:local .
#
# Build stage: Debian bookworm with gcc, make and musl-tools. scripts/build-static-deps.sh
# builds OpenSSL, libconfig and libpq with musl-gcc from Debian's source packages, then
# `make static` links build/pginit-static (checked to be statically linked).
#   - With a populated build/static-deps cache in the context (run `make static` on the host
#     first), the dependency step is a no-op: no network, about a second. The cache's stamps
#     record absolute paths, so pass the host's checkout path as SRCDIR to reuse them as they
#     are: `--build-arg SRCDIR="$PWD"`. With another SRCDIR the libraries are rebuilt from the
#     cached source packages (no network, ~3 min on 2 cores).
#   - Without a cache, the step downloads the source packages from the Debian archive that
#     the build image's apt sources name.
#   - BUILD_IMAGE may be any Debian bookworm image; packages that are already installed are
#     not installed again (scripts/install-deps.sh is a no-op then).
#
# Runtime stage: FROM scratch with /pginit, a CA bundle, /etc/passwd and /etc/group with
# the unprivileged user pginit (65532) it runs as, the reference configuration,
# migrations, seeds and initdb.d under /etc/pginit, /run/pginit for a generated
# credentials file, and /tmp. About 5 MB.
#
# Legacy-builder compatible (no RUN --mount, no COPY --chmod): engine 20.10 without
# BuildKit must build it too.

ARG BUILD_IMAGE=debian:bookworm-slim

FROM ${BUILD_IMAGE} AS build
ARG SRCDIR=/src
WORKDIR ${SRCDIR}
ENV DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8

# The toolchain (a no-op when BUILD_IMAGE already has it).
COPY scripts/install-deps.sh scripts/build-static-deps.sh scripts/
RUN scripts/install-deps.sh build static

# The static libraries. `buil[d]` is a pattern, so that a context without build/ (a fresh
# clone) is not an error; Makefile is only there to give the COPY a source that exists.
COPY Makefile buil[d] /tmp/ctx/
RUN set -e; \
	mkdir -p build; \
	if [ -d /tmp/ctx/static-deps ]; then mv /tmp/ctx/static-deps build/; fi; \
	rm -rf /tmp/ctx; \
	PGINIT_STATIC_DEPS_DIR="$PWD/build/static-deps" scripts/build-static-deps.sh

# The program itself.
COPY Makefile ./
COPY mk/ mk/
COPY src/ src/
RUN make static

# The runtime file system, assembled here so the scratch stage is a single COPY.
COPY docker/passwd docker/group /out/etc/
COPY pginit.conf /out/etc/pginit/
COPY migrations/ /out/etc/pginit/migrations/
COPY seeds/ /out/etc/pginit/seeds/
COPY initdb.d/ /out/etc/pginit/initdb.d/
RUN set -e; \
	install -m 0755 build/pginit-static /out/pginit; \
	/out/pginit version; \
	install -D -m 0644 /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt; \
	mkdir -m 1777 /out/tmp; \
	chown -R 0:0 /out; \
	chmod -R u=rwX,go=rX /out/etc; \
	install -d -m 0700 -o 65532 -g 65532 /out/run/pginit

FROM scratch
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="pginit" \
	org.opencontainers.image.description="Prepares a PostgreSQL database for an application: wait, bootstrap, migrate, seed, record, exit" \
	org.opencontainers.image.version="${VERSION}"
COPY --from=build /out/ /
# Files read from the image are root-owned and read-only for the user pginit runs as.
USER 65532:65532
# /etc/pginit is read-only, so a password that the dev and test profiles generate (when
# APP_DB_PASSWORD is not given) goes to /run/pginit, owned by that user: mount a volume
# there to keep it across runs and share it with the application (a new named volume
# takes the directory's owner and mode).
ENV PGINIT_CONFIG=/etc/pginit/pginit.conf \
	PGINIT_CREDENTIALS_FILE=/run/pginit/credentials.env
ENTRYPOINT ["/pginit"]
CMD ["run"]
