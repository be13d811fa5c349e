/* sig — see sig.h. */
#include "sig.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static volatile sig_atomic_t caught;
static int64_t seen_ms;

static void on_signal(int signo)
{
	if (signo == SIGALRM) {
		/* The hard deadline after the first signal: the unwinding is stuck. */
		if (caught)
			_exit(128 + caught);
		return;
	}
	if (caught) {
		/* A second signal: the operator insists. */
		_exit(128 + signo);
	}
	caught = signo;
	alarm(SIG_HARD_DEADLINE_S);
}

void sig_setup(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: blocking calls must return EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	/* A dropped server connection must not kill us with SIGPIPE; libpq handles EPIPE. */
	signal(SIGPIPE, SIG_IGN);
}

void sig_reset(void)
{
	alarm(0);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGALRM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

int sig_caught(void)
{
	if (caught && !seen_ms)
		seen_ms = now_ms();
	return caught;
}

int64_t sig_seen_ms(void)
{
	sig_caught();
	return seen_ms;
}
