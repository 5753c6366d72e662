/* SHA-256 (FIPS 180-4), freestanding: the same code runs natively and inside
 * a picoprocess, so the benchmark compares like with like. */
#ifndef XABI_BENCH_SHA256_H
#define XABI_BENCH_SHA256_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
void bench_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
#ifdef __cplusplus
}
#endif
#endif
