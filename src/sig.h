/*
 * sig — SIGTERM/SIGINT/SIGHUP/SIGQUIT are collected, never acted on in the handler:
 * the handler records the signal number and the loops (query wait, server wait,
 * lock poll) check sig_caught() and unwind, so the transaction rolls back, the
 * lock is released and the run is recorded as failed before exit 128+N.
 * Handlers are installed without SA_RESTART so sleeps and poll() wake up.
 */
#ifndef PGINIT_SIG_H
#define PGINIT_SIG_H

void sig_setup(void);
/* Restore the default dispositions (before execve of the app). */
void sig_reset(void);
/* The first caught signal's number, or 0. */
int sig_caught(void);

#endif
