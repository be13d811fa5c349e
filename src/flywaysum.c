/*
 * flywaysum — Flyway's CRC32 of a SQL script (contract in flywaysum.h).
 *
 * Checked against flyway/flyway with the search tool (Dec 2026):
 *  - flyway-core/src/main/java/org/flywaydb/core/internal/resolver/ChecksumCalculator.java
 *    (stored commit 0ea67c6, Flyway 10/11): calculate() hashes loadableResources[0];
 *    in the 9.x/10.x versions of that file the body is calculateChecksumForResource():
 *    new BufferedReader(resource.read(), 4096), readLine() in a loop, the first line
 *    passed through BomFilter.FilterBomFromString, crc32.update(line.getBytes(UTF_8))
 *    for every line, return (int) crc32.getValue();
 *  - newer trees moved the same loop into
 *    flyway-core/src/main/java/org/flywaydb/core/api/resource/LoadableResource.java
 *    (calculateChecksum(), "Copyright 2010-2024"), unchanged in substance;
 *  - flyway-core/.../internal/util/BomFilter.java: drops one '\ufeff' at index 0;
 *  - flyway-core/.../internal/resource/filesystem/FileSystemResource.java: read() is
 *    Channels.newReader(FileChannel.open(...), encoding.newDecoder(), 4096); a fresh
 *    CharsetDecoder REPORTs malformed input, so a file that is not valid in the
 *    configured encoding (UTF-8 by default) makes Flyway fail, not hash.
 * java.io.BufferedReader.readLine(): a line ends at '\n', '\r' or "\r\n"; the
 * terminator is not part of the line; a last line without terminator is a line.
 * Feeding the lines one after the other into one CRC32 object is therefore the
 * CRC of the whole file with every CR and LF byte left out (and the BOM dropped).
 * Some older versions also call StringUtils.trimLineBreak(line), a no-op on what
 * readLine() returns.
 * Written from that description; no Flyway code is copied here.
 */
#include "flywaysum.h"

static uint32_t crc_table[256];
static bool crc_table_ready;

/* The table of the reflected polynomial 0xEDB88320 (the zlib / Java CRC32). */
static void crc_init(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
	crc_table_ready = true;
}

uint32_t flywaysum_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;
	if (!crc_table_ready)
		crc_init();
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/*
 * Length of the valid UTF-8 sequence at P (N bytes left), 0 if it is malformed.
 * The rules of Java's UTF-8 decoder (RFC 3629): no overlong forms, no UTF-16
 * surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && p[1] < 0xA0) /* overlong */
			return 0;
		if (c == 0xED && p[1] >= 0xA0) /* surrogate */
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && p[1] < 0x90) /* overlong */
			return 0;
		if (c == 0xF4 && p[1] >= 0x90) /* above U+10FFFF */
			return 0;
		return 4;
	}
	return 0; /* 0x80..0xC1 as a lead byte, 0xF5..0xFF */
}

bool flywaysum(const void *data, size_t len, int32_t *out, size_t *bad_offset)
{
	const unsigned char *p = data;
	size_t i = 0, run = 0;
	uint32_t crc = 0;

	/* U+FEFF at the start of the first line only (BomFilter). */
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		i = 3;
	/* Hash runs of line content; CR and LF (the terminators) are never hashed. */
	run = i;
	while (i < len) {
		if (p[i] == '\r' || p[i] == '\n') {
			crc = flywaysum_crc32(crc, p + run, i - run);
			run = ++i;
			continue;
		}
		size_t k = utf8_len(p + i, len - i);
		if (k == 0) {
			if (bad_offset)
				*bad_offset = i;
			return false;
		}
		i += k;
	}
	crc = flywaysum_crc32(crc, p + run, i - run);
	/* (int) of a long in Java: the low 32 bits as two's complement (spelled out:
	 * converting an out-of-range value to int32_t is implementation-defined in C). */
	*out = crc <= 0x7fffffffu ? (int32_t)crc : -(int32_t)(~crc) - 1;
	return true;
}
