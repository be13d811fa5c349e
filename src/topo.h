/*
 * topo — a primary and its standbys seen through libpq's multi-host list.
 *
 * pginit writes, so it needs a primary: target_session_attrs defaults to
 * read-write, and libpq then skips a hot standby ("session is read-only")
 * and tries the next host of the list. When no host of the list is a
 * writable server, the cause is usually transient — a failover in progress,
 * a standby about to be promoted — so the wait loop keeps trying until its
 * deadline (exit 5) instead of failing at once, and says why in words an
 * operator can act on. topo tells that case apart and describes it; it owns
 * no state.
 */
#ifndef PGINIT_TOPO_H
#define PGINIT_TOPO_H

#include <stdbool.h>

#include "config.h"
#include "db.h"

/* Did libpq refuse every host because none was writable (standby/read-only)? */
bool topo_read_only_refusal(const char *libpq_message);

/*
 * Why the servers refused, asked of one of them with target_session_attrs=any:
 * "server is a standby (in recovery); waiting for a primary" or "server is
 * read-only (default_transaction_read_only = on); waiting for a read-write
 * server". A static string; never NULL. Logs nothing.
 */
const char *topo_describe_refusal(const struct db_params *p);

/*
 * After the wait chose a server from a multi-host list, pin cfg's host and
 * port to it, so that the target connection and the lease heartbeat reach
 * the same primary (libpq would try the list again: a lagging standby that
 * lacks a just-created database ends the attempt with "does not exist").
 * Nothing to do for a single host. Replaces cfg->host/port/ports.
 */
void topo_pin(struct config *cfg, const struct db *chosen);

/* The hint at the deadline when the last state was such a refusal. */
const char *topo_refusal_hint(void);

#endif
