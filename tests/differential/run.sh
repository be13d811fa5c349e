#!/usr/bin/env bash
# The differential harness and the real-dbmate tests alone (they also run in
# `make test`, as tests/integration/peers.test.sh): PGINIT_BIN picks the binary.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
exec "$ROOT/tests/integration/run.sh" test_9
