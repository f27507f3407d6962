/* common.h — internal helpers shared by every module: error reporting,
 * checked arithmetic, growable arrays, dtype facts. Not installed. */
#ifndef TVMC_COMMON_H
#define TVMC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tvmc.h"

#define TVMC_INTERNAL __attribute__((visibility("hidden")))
#define TVMC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define ARRAY_LEN(x) (sizeof(x) / sizeof((x)[0]))

/* ---- errors (error.c) ------------------------------------------------- */

/* Sets the calling thread's last-error message and returns s, so a failing
 * path reads `return err_set(TVM_ERR_SHAPE, "...", ...)`. */
tvm_status err_set(tvm_status s, const char *fmt, ...) TVMC_PRINTF(2, 3);
/* Copies a complete message into the thread-local slot. */
void err_set_msg(const char *msg);

/* ---- checked arithmetic ------------------------------------------------ */

static inline bool mul_overflow_i64(int64_t a, int64_t b, int64_t *r) {
    return __builtin_mul_overflow(a, b, r);
}
static inline bool add_overflow_i64(int64_t a, int64_t b, int64_t *r) {
    return __builtin_add_overflow(a, b, r);
}
static inline bool mul_overflow_size(size_t a, size_t b, size_t *r) {
    return __builtin_mul_overflow(a, b, r);
}

/* ---- growable arrays ---------------------------------------------------
 * A vector is a pointer + count + capacity triple inside a struct; vec_grow
 * makes room for `extra` more elements. Returns false when out of memory or
 * when the count would pass `limit`. */
bool vec_reserve(void **data, uint32_t *cap, uint32_t need, size_t elem);
#define VEC_PUSH_OK(ptr, n, cap, limit)                                       \
    ((n) < (limit) && ((n) < (cap) ||                                         \
                       vec_reserve((void **)&(ptr), &(cap), (n) + 1, sizeof(*(ptr)))))

/* ---- dtypes ------------------------------------------------------------ */

static inline bool dtype_valid(int d) { return d >= TVM_FLOAT32 && d <= TVM_BOOL; }
static inline bool dtype_is_float(int d) {
    return d == TVM_FLOAT32 || d == TVM_FLOAT64 || d == TVM_FLOAT16 || d == TVM_BFLOAT16;
}
static inline bool dtype_is_int(int d) { /* signed or unsigned integer, not bool */
    return d == TVM_INT8 || d == TVM_INT16 || d == TVM_INT32 || d == TVM_INT64 ||
           d == TVM_UINT8;
}
static inline bool dtype_is_unsigned(int d) { return d == TVM_UINT8 || d == TVM_BOOL; }
/* Bytes per element in memory. */
int dtype_bytes(int d);
/* Bits of the integer type (8..64) or float type. */
int dtype_bits(int d);
/* "float32", "int8", ... ; "?" for invalid. */
const char *dtype_name(int d);
/* The dtype a value of storage dtype d has inside a kernel: float16 and
 * bfloat16 compute as float32; every other dtype is itself. */
static inline int dtype_compute(int d) {
    return (d == TVM_FLOAT16 || d == TVM_BFLOAT16) ? TVM_FLOAT32 : d;
}
/* Wraps v to the integer dtype d (two's complement), bool -> 0/1. */
int64_t dtype_wrap_int(int d, int64_t v);
/* Minimum / maximum value of integer dtype d. */
int64_t dtype_int_min(int d);
int64_t dtype_int_max(int d);

/* float16 / bfloat16 conversions, round to nearest even, NaN kept quiet. */
uint16_t f32_to_f16_bits(float f);
float f16_bits_to_f32(uint16_t h);
uint16_t f32_to_bf16_bits(float f);
float bf16_bits_to_f32(uint16_t h);
/* Rounds a float32 to the nearest float16 / bfloat16 value, as float32. */
static inline float round_f16(float f) { return f16_bits_to_f32(f32_to_f16_bits(f)); }
static inline float round_bf16(float f) { return bf16_bits_to_f32(f32_to_bf16_bits(f)); }

/* Float -> int conversion with saturation and NaN -> 0 (the cast rule). */
int64_t sat_f64_to_int(int d, double v);

/* ---- hashing ----------------------------------------------------------- */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t hash_mix(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

/* ---- text buffer ------------------------------------------------------- */
typedef struct strbuf {
    char *data;
    size_t len, cap;
    bool failed; /* an allocation failed; the text is truncated */
} strbuf;
void sb_printf(strbuf *sb, const char *fmt, ...) TVMC_PRINTF(2, 3);
void sb_puts(strbuf *sb, const char *s);
/* Returns the malloc'd text (caller frees) or NULL after a failed append. */
char *sb_take(strbuf *sb);
void sb_free(strbuf *sb);

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);

/* Whether a DLPack dtype is tvmc dtype dt (bool: uint8 or DLPack bool, one
 * byte; lanes 1), and the DLPack dtype tvmc writes for dt. */
bool dtype_matches_dl(int dt, DLDataType d);
DLDataType dtype_to_dl(int dt);

#endif
