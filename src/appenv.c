/* appenv — see appenv.h. */
#include "appenv.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

extern char **environ;

/* NAME and NAME_FILE of a secret (app_db_password -> APP_DB_PASSWORD). */
static void unset_secret(const char *secret)
{
	if (!secret || !*secret)
		return;
	char *var = xstrdup(secret);
	for (char *p = var; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 32);
	char *file = xasprintf("%s_FILE", var);
	unsetenv(var);
	unsetenv(file);
	free(file);
	free(var);
}

void appenv_scrub(const struct config *cfg)
{
	static const char *const admin[] = {
		"POSTGRES_PASSWORD", "POSTGRES_PASSWORD_FILE", "PGPASSWORD", "PGPASSFILE", "PGSERVICE",
		"PGSERVICEFILE", "DATABASE_URL", "PGUSER", "POSTGRES_USER", "PGSSLCERT", "PGSSLKEY",
	};
	for (size_t i = 0; i < sizeof admin / sizeof admin[0]; i++)
		unsetenv(admin[i]);
	if (cfg) {
		unset_secret(cfg->password_secret);
		/* The app's own secret stays, even if it shares a name with another role's. */
		if (!cfg->app.secret || strcmp(cfg->owner.secret, cfg->app.secret) != 0)
			unset_secret(cfg->owner.secret);
		if (!cfg->app.secret || strcmp(cfg->readonly.secret, cfg->app.secret) != 0)
			unset_secret(cfg->readonly.secret);
	}
	/* PGINIT_*: collect the names first, unsetenv changes environ. */
	struct strlist names = {0};
	for (char **e = environ; e && *e; e++)
		if (strncmp(*e, "PGINIT_", 7) == 0) {
			const char *eq = strchr(*e, '=');
			char *name = eq ? xstrndup(*e, (size_t)(eq - *e)) : xstrdup(*e);
			strlist_add(&names, name);
			free(name);
		}
	for (int i = 0; i < names.n; i++)
		unsetenv(names.items[i]);
	strlist_free(&names);
}
