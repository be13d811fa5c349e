/*
 * fuzz_config — libFuzzer harness for the config loader: the input is
 * written to a file and loaded as pginit.conf (libconfig's parser, the key
 * table, types, the range checks), then its default profile selected and
 * its paths checked. The environment is emptied first, so only the file
 * counts; no secret is found (the secrets directory does not exist).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

extern char **environ;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_setup(LOG_TEXT, -1);
	/* Drop every PG*, PGINIT_*, POSTGRES_* and DATABASE_URL variable. */
	for (int again = 1; again;) {
		again = 0;
		for (char **e = environ; *e; e++)
			if (strncmp(*e, "PG", 2) == 0 || strncmp(*e, "POSTGRES_", 9) == 0 || strncmp(*e, "DATABASE_URL=", 13) == 0) {
				char *name = xstrndup(*e, strcspn(*e, "="));
				unsetenv(name);
				free(name);
				again = 1;
				break;
			}
	}
	setenv("PGINIT_SECRETS_DIR", "/nonexistent/pginit-fuzz", 1);
	snprintf(path, sizeof path, "/tmp/pginit-fuzz-conf-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	enum rc rc;
	struct config *cfg = config_load(path, NULL, &rc);
	if (!cfg) {
		if (rc == RC_OK)
			abort(); /* a failure always says why */
		return 0;
	}
	if (cfg->port < 1 || cfg->port > 65535 || cfg->connect_timeout < 0)
		abort(); /* the range checks hold whatever the file says */
	if (config_select_profile(cfg, NULL) == RC_OK) {
		const struct profile *p = cfg->profile;
		if (p->wait_timeout_ms < 0 || p->lock_timeout_ms < 0)
			abort();
		for (int i = 0; i < p->seeds.n; i++)
			if (strchr(p->seeds.items[i], '/') || strcmp(p->seeds.items[i], "..") == 0)
				abort();
		(void)config_check_paths(cfg);
	}
	config_free(cfg);
	return 0;
}
