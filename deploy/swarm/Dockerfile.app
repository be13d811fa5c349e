# An application image with pginit inside, for entrypoint mode (`pginit run --exec -- APP`).
#
# pginit's own image is FROM scratch (no shell, no psql): to run it in front of your
# application, copy the static binary and its configuration into the application's image.
# This file shows the two COPY lines and the ENTRYPOINT; APP_BASE is your application's
# image (here, for the stack's stand-in app, any image with /bin/sh and psql: the
# postgres image).
#
#   docker build -f deploy/swarm/Dockerfile.app \
#     --build-arg PGINIT_IMAGE=pginit:local --build-arg APP_BASE=postgres:16-alpine \
#     -t pginit-app-example:local deploy/swarm
#
# The build context can be any directory: nothing is copied from it.

ARG PGINIT_IMAGE=pginit:local
ARG APP_BASE=postgres:16-alpine

FROM ${PGINIT_IMAGE} AS pginit

FROM ${APP_BASE}
# The static binary needs nothing from the base image (no libc, no libpq).
COPY --from=pginit /pginit /usr/local/bin/pginit
# The configuration, migrations, seeds and initdb.d (root-owned, read-only). Replace this
# line by a COPY of your own directory to ship your migrations.
COPY --from=pginit /etc/pginit/ /etc/pginit/
ENV PGINIT_CONFIG=/etc/pginit/pginit.conf
# The user pginit and the application run as (the stack sets it too).
USER 65532:65532
# pginit runs first and then execs the command (CMD, or the stack's `command:`): same PID,
# same environment, same stdio. A failed init never starts the application.
ENTRYPOINT ["/usr/local/bin/pginit", "run", "--exec", "--"]
CMD ["/bin/sh", "-c", "echo 'no application command given' >&2; exit 64"]
