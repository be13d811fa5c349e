/*
 * exitcode — the exit codes are the API of an init container (DESIGN.md item 7).
 * Phases return one of these so the failure's class travels up unchanged;
 * only main() turns it into the process's exit status.
 */
#ifndef PGINIT_EXITCODE_H
#define PGINIT_EXITCODE_H

enum rc {
	RC_OK = 0,
	RC_PENDING = 1,    /* status --check: migrations or seeds are pending */
	RC_USAGE = 2,
	RC_CONFIG = 3,
	RC_SECRET = 4,
	RC_WAIT = 5,       /* server not ready before the wait timeout */
	RC_CONNECT = 6,    /* connection or authentication refused */
	RC_BOOTSTRAP = 7,
	RC_MIGRATE = 8,
	RC_SEED = 9,
	RC_LOCK = 10,      /* another pginit held the lock past the lock timeout */
	RC_VALIDATE = 11,  /* checksum drift, unknown applied version, bad migration set */
	RC_SIGNAL = 128,   /* 128 + signal number */
};

#endif
