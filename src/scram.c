/* scram — see scram.h. */
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_CTX: a plain struct, copied by assignment */
#include "scram.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

/* HMAC-SHA256's key blocks, hashed: the states after (K ^ ipad) and (K ^ opad). */
struct hmac_keyed {
	SHA256_CTX inner, outer;
};

static void hmac_key(struct hmac_keyed *h, const unsigned char *key, size_t len)
{
	unsigned char k[SHA256_CBLOCK] = {0}, pad[SHA256_CBLOCK];
	if (len > sizeof k)
		SHA256(key, len, k);
	else
		memcpy(k, key, len);
	for (size_t i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x36;
	SHA256_Init(&h->inner);
	SHA256_Update(&h->inner, pad, sizeof pad);
	for (size_t i = 0; i < sizeof pad; i++)
		pad[i] = k[i] ^ 0x5c;
	SHA256_Init(&h->outer);
	SHA256_Update(&h->outer, pad, sizeof pad);
	wipe(k, sizeof k);
	wipe(pad, sizeof pad);
}

/* out = HMAC(key, a || b) */
static void hmac(const struct hmac_keyed *h, const void *a, size_t alen, const void *b, size_t blen,
		 unsigned char out[SHA256_DIGEST_LENGTH])
{
	SHA256_CTX c = h->inner;
	SHA256_Update(&c, a, alen);
	if (blen)
		SHA256_Update(&c, b, blen);
	SHA256_Final(out, &c);
	c = h->outer;
	SHA256_Update(&c, out, SHA256_DIGEST_LENGTH);
	SHA256_Final(out, &c);
	wipe(&c, sizeof c);
}

/*
 * One block's worth of a keyed hash: the 32-byte digest d, padded as the last
 * block of a 96-byte message (the 64-byte key block came before), hashed from
 * the keyed state into the scratch state c: a single compression, no buffering.
 */
static void keyed_block(const SHA256_CTX *keyed, SHA256_CTX *c, unsigned char block[SHA256_CBLOCK], unsigned char d[32])
{
	memcpy(block, d, 32);
	*c = *keyed;
	SHA256_Transform(c, block);
	for (int i = 0; i < 8; i++) {
		d[4 * i] = (unsigned char)(c->h[i] >> 24);
		d[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		d[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		d[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void scram_pbkdf2_sha256(const void *password, size_t password_len, const void *salt, size_t salt_len, int iter,
			 unsigned char out[32])
{
	struct hmac_keyed h;
	hmac_key(&h, password, password_len);
	static const unsigned char block1[4] = {0, 0, 0, 1};
	unsigned char u[SHA256_DIGEST_LENGTH];
	hmac(&h, salt, salt_len, block1, sizeof block1, u);
	memcpy(out, u, sizeof u);
	/* U_i = HMAC(P, U_i-1): two compressions, the padding written once (message
	 * 64 + 32 bytes: 0x80, zeros, the length 768 in bits, big-endian). */
	unsigned char block[SHA256_CBLOCK] = {0};
	SHA256_CTX c; /* scratch, wiped at the end with the rest */
	block[32] = 0x80;
	block[62] = 0x03;
	for (int i = 1; i < iter; i++) {
		keyed_block(&h.inner, &c, block, u);
		keyed_block(&h.outer, &c, block, u);
		for (size_t k = 0; k < sizeof u; k++)
			out[k] ^= u[k];
	}
	wipe(u, sizeof u);
	wipe(block, sizeof block);
	wipe(&c, sizeof c);
	wipe(&h, sizeof h);
}

/* Base64 to bytes (padding not counted); -1 if it is not base64 or does not fit. */
static int unbase64(const char *in, unsigned char *out, size_t cap)
{
	size_t len = strlen(in);
	if (len % 4 || len / 4 * 3 > cap)
		return -1;
	int n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	/* EVP_DecodeBlock counts '=' padding as zero bytes. */
	for (const char *p = in + len; n > 0 && p > in && p[-1] == '='; p--)
		n--;
	return n;
}

bool scram_matches(const char *verifier, const char *password)
{
	int iter;
	char salt64[128], stored64[128];
	if (!verifier || !password ||
	    sscanf(verifier, "SCRAM-SHA-256$%d:%127[^$]$%127[^:]:", &iter, salt64, stored64) != 3 || iter <= 0)
		return false;
	unsigned char salt[96], expect[96], salted[32], client_key[32], stored[32];
	int salt_len = unbase64(salt64, salt, sizeof salt), stored_len = unbase64(stored64, expect, sizeof expect);
	if (salt_len < 0 || stored_len != 32)
		return false;
	scram_pbkdf2_sha256(password, strlen(password), salt, (size_t)salt_len, iter, salted);
	struct hmac_keyed h;
	hmac_key(&h, salted, sizeof salted);
	hmac(&h, "Client Key", 10, NULL, 0, client_key);
	SHA256(client_key, sizeof client_key, stored);
	bool ok = memcmp(stored, expect, sizeof stored) == 0;
	wipe(salted, sizeof salted);
	wipe(client_key, sizeof client_key);
	wipe(&h, sizeof h);
	return ok;
}
