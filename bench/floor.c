/*
 * bench/floor.c — the floor under every pginit start, for `make bench`: one
 * libpq connection (TCP, a backend forked, the SCRAM exchange with its PBKDF2),
 * SELECT 1, exit. Nothing of pginit's: its connection parameters come from the
 * environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGSSLMODE).
 * bench/run.sh builds it next to its throwaway server and times it with the
 * no-op runs, so the ratio to dbmate that no client can go below is printed in
 * the same run.
 */
#include <libpq-fe.h>
#include <stdio.h>

int main(void)
{
	PGconn *c = PQconnectdb("");
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "floor: %s", PQerrorMessage(c));
		PQfinish(c);
		return 1;
	}
	PGresult *r = PQexec(c, "SELECT 1");
	int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "floor: %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : 1;
}
