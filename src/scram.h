/*
 * scram — does a stored SCRAM-SHA-256 verifier (pg_authid.rolpassword) match
 * a password? bootstrap asks on every start whether the application role's
 * password is still the secret's, and must not rewrite pg_authid when it is.
 *
 * The check is PBKDF2-HMAC-SHA256 with the verifier's salt and iteration
 * count (4096 by default), then StoredKey = SHA-256(HMAC(SaltedPassword,
 * "Client Key")) compared with the verifier's (RFC 5802, RFC 7677). PBKDF2 here
 * keeps HMAC's inner and outer key blocks hashed once and copies the two
 * SHA-256 states per iteration: two compressions per iteration instead of
 * OpenSSL's PKCS5_PBKDF2_HMAC, which sets the HMAC up again each time (about
 * 7x the instructions). The password is used as given: no SASLprep, so a
 * password that SASLprep would change never matches (the role's password is
 * then set again, which is safe, only not a no-op).
 */
#ifndef PGINIT_SCRAM_H
#define PGINIT_SCRAM_H

#include <stdbool.h>
#include <stddef.h>

/* PBKDF2-HMAC-SHA256 with one output block (32 bytes). iter >= 1. */
void scram_pbkdf2_sha256(const void *password, size_t password_len, const void *salt, size_t salt_len, int iter,
			 unsigned char out[32]);

/* "SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>" matches password. NULL or another shape: false. */
bool scram_matches(const char *verifier, const char *password);

#endif
