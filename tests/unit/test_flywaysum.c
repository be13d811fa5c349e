/*
 * test_flywaysum — Flyway's checksum (src/flywaysum.c).
 *
 * Where the expected values come from: every one was computed twice, by hand-free
 * means that do not share code with flywaysum.c, and the two agreed:
 *  - the JDK itself (OpenJDK 17): a 10-line Java program doing what Flyway's
 *    ChecksumCalculator does — Channels.newReader(FileChannel.open(f),
 *    UTF_8.newDecoder(), 4096) in a BufferedReader, '\ufeff' dropped from the first
 *    line, java.util.zip.CRC32.update(line.getBytes(UTF_8)) per readLine(), (int)
 *    of getValue(); it printed MalformedInputException for the invalid inputs;
 *  - Python: zlib.crc32 of the bytes with a leading EF BB BF removed and every
 *    CR and LF byte removed, as a signed 32-bit value.
 * "123456789" is also the standard CRC-32 check value 0xCBF43926.
 * The four files are the Flyway fixture set (tests/data/formats/flyway).
 */
#include <stdlib.h>
#include <string.h>

#include "flywaysum.h"
#include "unit.h"
#include "util.h"

struct vec {
	const char *name;
	const char *in;
	size_t len; /* the bytes, so that NULs and invalid UTF-8 can be written */
	bool ok;
	int32_t sum;
	size_t bad; /* offset of the first invalid byte when !ok */
};

#define V(name, s, ok, sum, bad) {name, s, sizeof s - 1, ok, sum, bad}

static const struct vec vecs[] = {
	V("empty file: no line, CRC of nothing", "", true, 0, 0),
	V("check value 0xCBF43926, above INT_MAX: negative", "123456789", true, -873187034, 0),
	V("no final newline", "SELECT 1;", true, 78787420, 0),
	V("LF", "SELECT 1;\n", true, 78787420, 0),
	V("CRLF hashes as LF", "SELECT 1;\r\n", true, 78787420, 0),
	V("lone CR ends a line too", "SELECT 1;\r", true, 78787420, 0),
	V("BOM dropped from the first line", "\xEF\xBB\xBFSELECT 1;\n", true, 78787420, 0),
	V("blank lines do not count", "a\n\nb\n", true, -1635563411, 0),
	V("CR between lines", "a\rb", true, -1635563411, 0),
	V("CR CR LF LF: blank lines again", "a\r\r\n\nb", true, -1635563411, 0),
	V("a trailing space counts", "a \nb\n", true, -2140381997, 0),
	V("BOM on a later line is content", "x\n\xEF\xBB\xBFy", true, 34826083, 0),
	V("only a BOM", "\xEF\xBB\xBF", true, 0, 0),
	V("a second BOM is content", "\xEF\xBB\xBF\xEF\xBB\xBF", true, 17864673, 0),
	V("2-, 3- and 4-byte UTF-8", "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", true, -1886339647, 0),
	V("invalid byte 0xFF", "ab\xFF", false, 0, 2),
	V("overlong '/'", "\xC0\xAF", false, 0, 0),
	V("UTF-16 surrogate", "x\n\xED\xA0\x80", false, 0, 2),
	V("truncated 3-byte sequence", "\xE2\x82", false, 0, 0),
	V("above U+10FFFF", "\xF4\x90\x80\x80", false, 0, 0),
	V("a lone continuation byte", "ok\n\x80", false, 0, 3),
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof vecs / sizeof vecs[0]; i++) {
		const struct vec *v = &vecs[i];
		unit_case("flywaysum: %s", v->name);
		int32_t sum = 4711;
		size_t bad = 99;
		bool ok = flywaysum(v->in, v->len, &sum, &bad);
		CHECK_INT_EQ(ok, v->ok);
		if (v->ok) {
			CHECK_INT_EQ(sum, v->sum);
		} else {
			CHECK_INT_EQ(sum, 4711); /* untouched */
			CHECK_INT_EQ(bad, v->bad);
		}
	}
	unit_case("flywaysum: NULL with length 0");
	int32_t sum = 1;
	CHECK(flywaysum(NULL, 0, &sum, NULL));
	CHECK_INT_EQ(sum, 0);
	unit_case("flywaysum: bad_offset may be NULL");
	CHECK(!flywaysum("\xFF", 1, &sum, NULL));
}

static void test_crc32(void)
{
	unit_case("flywaysum_crc32");
	CHECK_INT_EQ(flywaysum_crc32(0, "123456789", 9), 0xCBF43926u);
	CHECK_INT_EQ(flywaysum_crc32(0, "", 0), 0);
	/* continuing a CRC equals the CRC of the concatenation (how the lines are fed) */
	CHECK_INT_EQ(flywaysum_crc32(flywaysum_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
}

static void test_fixture_files(void)
{
	static const struct { const char *file; int32_t sum; } files[] = {
		{"tests/data/formats/flyway/V1__init.sql", -1686661734},
		{"tests/data/formats/flyway/V1_7__lead_sources.sql", 2088220902},
		{"tests/data/formats/flyway/R__functions.sql", 173691787},
		{"tests/data/formats/flyway/V2_6__grants.sql", -727570660},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		unit_case("flywaysum %s", files[i].file);
		char *data = NULL;
		size_t len = 0;
		if (!CHECK(read_file(files[i].file, &data, &len)))
			continue;
		int32_t sum = 0;
		CHECK(flywaysum(data, len, &sum, NULL));
		CHECK_INT_EQ(sum, files[i].sum);
		/* the same file with CRLF line ends and a BOM: the same checksum */
		struct buf b;
		buf_init(&b);
		buf_puts(&b, "\xEF\xBB\xBF");
		for (size_t k = 0; k < len; k++)
			buf_add(&b, data[k] == '\n' ? "\r\n" : data + k, data[k] == '\n' ? 2 : 1);
		int32_t sum2 = 0;
		CHECK(flywaysum(b.data, b.len, &sum2, NULL));
		CHECK_INT_EQ(sum2, files[i].sum);
		free(b.data);
		free(data);
	}
}

int main(void)
{
	test_vectors();
	test_crc32();
	test_fixture_files();
	return unit_done();
}
