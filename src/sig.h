/*
 * sig — SIGTERM/SIGINT/SIGHUP/SIGQUIT are collected, never acted on in the handler:
 * the handler records the signal number and the loops (query wait, server wait,
 * lock poll) check sig_caught() and unwind, so the transaction rolls back, the
 * lock is released and the run is recorded as failed before exit 128+N.
 * Handlers are installed without SA_RESTART so sleeps and poll() wake up.
 *
 * The unwinding is bounded: a server that stops answering must not keep an
 * orchestrator's SIGTERM waiting. The first signal arms a hard deadline
 * (SIG_HARD_DEADLINE_S, an alarm) and a second signal ends the process at
 * once; both _exit(128+N) from the handler (async-signal-safe, nothing is
 * flushed or logged; the advisory lock dies with the session and the next run
 * marks this one abandoned). db.c gives each query wait after a signal
 * SIG_CANCEL_WAIT_MS before it closes the connection.
 */
#ifndef PGINIT_SIG_H
#define PGINIT_SIG_H

#include <stdint.h>

enum { SIG_CANCEL_WAIT_MS = 3000, SIG_HARD_DEADLINE_S = 6 };

void sig_setup(void);
/* Restore the default dispositions and disarm the deadline (before execve of the app). */
void sig_reset(void);
/* The first caught signal's number, or 0. */
int sig_caught(void);
/* now_ms() when a loop first saw the signal (0: none yet); the start of the grace period. */
int64_t sig_seen_ms(void);

#endif
