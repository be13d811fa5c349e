/*
 * flywaysum — Flyway's own checksum of a SQL migration, so that a history row
 * pginit writes into flyway_schema_history is one Flyway's `validate` accepts
 * (issue 9 item 8). Pure code: no I/O, no logging, no allocation.
 *
 * What Flyway computes (read in flyway/flyway, see flywaysum.c for the files):
 * the file is decoded as UTF-8 (Flyway's default `encoding`; a decoding error is
 * a Flyway error, not a checksum), read line by line with BufferedReader, a
 * U+FEFF at the start of the first line is dropped, and the UTF-8 bytes of every
 * line WITHOUT its terminator (LF, CR or CRLF) go through one java.util.zip.CRC32
 * (IEEE 802.3, the zlib CRC). The value is cast to a Java int: the CRC's 32 bits
 * read as a signed two's-complement number, which is what the INTEGER column
 * `checksum` holds.
 *
 * Consequences worth knowing: CRLF and LF files hash the same; blank lines and
 * the final newline do not count; any other byte, including trailing spaces
 * and tabs, does.
 */
#ifndef PGINIT_FLYWAYSUM_H
#define PGINIT_FLYWAYSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * flywaysum: Flyway's checksum of the LEN bytes at DATA (a whole file as read
 * from disk; DATA may be NULL when LEN is 0). Returns true and stores the
 * checksum in *OUT; returns false (and leaves *OUT alone) when the bytes are
 * not valid UTF-8, where Flyway would stop with "Unable to calculate checksum"
 * instead of writing a row. On false, *BAD_OFFSET (if not NULL) gets the byte
 * offset of the first invalid sequence, for the caller's error line.
 */
bool flywaysum(const void *data, size_t len, int32_t *out, size_t *bad_offset);

/* The plain CRC-32 (IEEE, reflected, as zlib and java.util.zip.CRC32) of LEN
 * bytes, continuing from CRC (0 to start). Exposed for the unit test. */
uint32_t flywaysum_crc32(uint32_t crc, const void *data, size_t len);

#endif
