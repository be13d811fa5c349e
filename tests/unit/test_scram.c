/*
 * test_scram — PBKDF2-HMAC-SHA256 and the SCRAM verifier check (src/scram.c).
 *
 * Where the expected values come from:
 *  - the PBKDF2-HMAC-SHA256 vectors for P = "password", S = "salt" (c = 1, 2,
 *    4096; 32-byte output) published with RFC 7914's errata and used by every
 *    PBKDF2 test suite; checked here against OpenSSL as well;
 *  - OpenSSL's PKCS5_PBKDF2_HMAC for passwords and salts of every length from
 *    0 to 150 bytes (a key longer than SHA-256's 64-byte block is hashed first:
 *    that path must agree too);
 *  - verifiers made by libpq (PQencryptPasswordConn's algorithm, computed here
 *    with OpenSSL's own primitives, not with scram.c's), for the match and
 *    for each way a verifier can differ.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#include "scram.h"
#include "unit.h"

static void hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void vectors(void)
{
	static const struct {
		int iter;
		const char *hex;
	} v[] = {
		{1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"},
		{2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"},
		{4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		unsigned char out[32];
		char h[65];
		scram_pbkdf2_sha256("password", 8, "salt", 4, v[i].iter, out);
		hex(out, 32, h);
		CHECK_STR_EQ(h, v[i].hex);
	}
}

static void against_openssl(void)
{
	unsigned char pw[150], salt[150];
	for (size_t i = 0; i < sizeof pw; i++) {
		pw[i] = (unsigned char)(i * 37 + 11);
		salt[i] = (unsigned char)(i * 91 + 3);
	}
	int differ = 0;
	for (size_t n = 0; n <= sizeof pw; n++) {
		unsigned char a[32], b[32];
		int iter = 1 + (int)(n % 7);
		scram_pbkdf2_sha256(pw, n, salt, sizeof salt - n, iter, a);
		PKCS5_PBKDF2_HMAC((const char *)pw, (int)n, salt, (int)(sizeof salt - n), iter, EVP_sha256(), 32, b);
		differ += memcmp(a, b, 32) != 0;
	}
	CHECK_INT_EQ(differ, 0);
}

/* A verifier as libpq writes one, from OpenSSL's primitives only. */
static void make_verifier(const char *password, const unsigned char *salt, int salt_len, int iter, char *out)
{
	unsigned char salted[32], ck[32], sk[32], stored[32];
	unsigned int n = 0;
	PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, salt_len, iter, EVP_sha256(), 32, salted);
	HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Client Key", 10, ck, &n);
	HMAC(EVP_sha256(), salted, 32, (const unsigned char *)"Server Key", 10, sk, &n);
	EVP_Digest(ck, 32, stored, NULL, EVP_sha256(), NULL);
	char s64[64], st64[64], sk64[64];
	EVP_EncodeBlock((unsigned char *)s64, salt, salt_len);
	EVP_EncodeBlock((unsigned char *)st64, stored, 32);
	EVP_EncodeBlock((unsigned char *)sk64, sk, 32);
	sprintf(out, "SCRAM-SHA-256$%d:%s$%s:%s", iter, s64, st64, sk64);
}

static void verifiers(void)
{
	const unsigned char salt16[16] = "0123456789abcdef", salt17[17] = "0123456789abcdefg";
	char v[256];
	make_verifier("app-Secret-1", salt16, 16, 4096, v);
	CHECK(scram_matches(v, "app-Secret-1"));
	CHECK(!scram_matches(v, "app-Secret-2"));
	CHECK(!scram_matches(v, ""));
	make_verifier("app-Secret-1", salt17, 17, 10, v); /* salt with '=' padding, another count */
	CHECK(scram_matches(v, "app-Secret-1"));
	CHECK(!scram_matches(v, "app-Secret-"));
	char long_pw[200];
	memset(long_pw, 'x', sizeof long_pw - 1);
	long_pw[sizeof long_pw - 1] = '\0';
	make_verifier(long_pw, salt16, 16, 3, v); /* a password longer than a SHA-256 block */
	CHECK(scram_matches(v, long_pw));
	/* Not a SCRAM verifier, or a broken one: never a match. */
	CHECK(!scram_matches(NULL, "x"));
	CHECK(!scram_matches("md5abcdef0123456789abcdef0123456789", "x"));
	CHECK(!scram_matches("SCRAM-SHA-256$0:MDEyMzQ1Njc4OWFiY2RlZg==$AAAA:AAAA", "x"));
	CHECK(!scram_matches("SCRAM-SHA-256$4096:MDEy*zQ1$AAAA:AAAA", "x"));
	CHECK(!scram_matches("SCRAM-SHA-256$4096:MDEyMzQ1Njc4OWFiY2RlZg==$c2hvcnQ=:AAAA", "x"));
}

int main(void)
{
	vectors();
	against_openssl();
	verifiers();
	return unit_done();
}
