/* tensor_util.h — DLTensors over malloc'd arrays for the C tests, element
 * access for every tvmc dtype (with an independent float16 / bfloat16
 * implementation), seeded random fills and bitwise comparison.
 *
 * A tt_tensor owns its memory; `&t->dl` is the DLTensor to pass to
 * tvm_function_call. Data is 64-byte aligned and never NULL (an empty tensor
 * still gets a small allocation). */
#ifndef TVMC_TEST_TENSOR_UTIL_H
#define TVMC_TEST_TENSOR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tvmc.h"

typedef struct tt_tensor {
    DLTensor dl;                     /* shape points at .shape below */
    int64_t shape[TVM_MAX_NDIM];
    int64_t strides[TVM_MAX_NDIM];   /* compact strides, for tests that set dl.strides */
    tvm_dtype dtype;
    int64_t numel;
    size_t nbytes;
    void *map;                       /* the guarded mapping holding dl.data */
    size_t map_len;
} tt_tensor;

/* Shorthand for a literal shape: TT_SHAPE(2, 3). */
#define TT_SHAPE(...) ((const int64_t[]){__VA_ARGS__})

/* A zero-filled tensor; NULL only if memory is exhausted. Its data sits
 * flush against a PROT_NONE page (G5): alternately its last byte ends at the
 * guard page that follows it, or its first byte starts right after the guard
 * page before it, so a kernel reading or writing one element outside faults. */
tt_tensor *tt_alloc(tvm_dtype dtype, int ndim, const int64_t *shape);
void tt_free(tt_tensor *t);

/* The DLPack dtype of a tvmc dtype (bool as {kDLUInt, 8, 1}). */
DLDataType tt_dl_dtype(tvm_dtype dtype);
size_t tt_elem_size(tvm_dtype dtype);
bool tt_is_float(tvm_dtype dtype);
bool tt_is_signed_int(tvm_dtype dtype);
const char *tt_dtype_name(tvm_dtype dtype);
int64_t tt_int_min(tvm_dtype dtype);
int64_t tt_int_max(tvm_dtype dtype);
/* Wraps v to the integer dtype (two's complement); bool gives v != 0. */
int64_t tt_wrap(tvm_dtype dtype, int64_t v);

/* float16 / bfloat16 <-> float32, round to nearest even, NaN stays NaN. */
uint16_t tt_f32_to_f16(float f);
float tt_f16_to_f32(uint16_t h);
uint16_t tt_f32_to_bf16(float f);
float tt_bf16_to_f32(uint16_t h);
/* f rounded to the storage dtype (float16/bfloat16/float32), as float. */
float tt_round_to(tvm_dtype dtype, float f);

/* Element i (row-major flat index) as double / int64 / raw bits. */
double tt_get(const tt_tensor *t, int64_t i);
int64_t tt_geti(const tt_tensor *t, int64_t i);
uint64_t tt_bits(const tt_tensor *t, int64_t i);
/* Stores v into element i: floats round to the dtype (float16/bfloat16 via
 * float32), integers must be integral and wrap. */
void tt_set(tt_tensor *t, int64_t i, double v);
void tt_seti(tt_tensor *t, int64_t i, int64_t v);

/* Fills with seeded uniform values in [lo, hi) (integers: [lo, hi]). */
void tt_fill_random(tt_tensor *t, uint64_t seed, double lo, double hi);
/* Fills every byte with `byte` (poisoning outputs before a call). */
void tt_fill_bytes(tt_tensor *t, unsigned char byte);

/* splitmix64 step: a deterministic generator for test data. */
uint64_t tt_rand_next(uint64_t *state);
double tt_rand_uniform(uint64_t *state); /* [0, 1) */

/* Bitwise comparison (two NaNs of any payload count as equal). Returns the
 * first differing flat index, or -1 when equal. Shapes must match. */
int64_t tt_first_bit_diff(const tt_tensor *a, const tt_tensor *b);
/* Largest |a-b| / max(|b|, floor) over all elements; +inf when one side is
 * NaN and the other not, or the numels differ. */
double tt_max_rel_diff(const tt_tensor *a, const tt_tensor *b, double floor);

/* ---- compile / call helpers ---------------------------------------------- */

/* The two targets every kernel is run through. */
#define TT_NUM_TARGETS 2
extern const char *const tt_targets[TT_NUM_TARGETS];

/* Options for a target, opt level and flags. */
tvm_compile_options tt_options(const char *target, int32_t opt_level, uint32_t flags);

/* A fresh context with default options; reports via check.h-independent
 * stderr and returns NULL on failure. */
tvm_context *tt_context(void);

/* One context per test program, made on first use and destroyed at exit:
 * for tests whose graphs may share compiled functions (the function cache)
 * and that need not pay for a context each. NULL on failure, as tt_context. */
tvm_context *tt_shared_context(void);

/* Compiles outputs from inputs with opts, calls the function once on
 * args[0 .. nin+nout) and releases it. Returns the first failing status. */
tvm_status tt_compile_run(tvm_graph *g, int nin, const tvm_tensor *inputs, int nout,
                          const tvm_tensor *outputs, const tvm_compile_options *opts,
                          tt_tensor *const *args);

/* Compiles outputs from inputs with opts and gives the function (*fn, one
 * reference to release; NULL when the compile failed) and its loop IR as
 * tvm_function_source prints it (*text, to tvm_free; NULL when there is
 * none), for tests that check which schedule a compile chose. Returns the
 * first failing status. */
tvm_status tt_compile_loop_text(tvm_graph *g, int nin, const tvm_tensor *inputs, int nout,
                                const tvm_tensor *outputs, const tvm_compile_options *opts,
                                tvm_function **fn, char **text);

/* Element-by-element description of the first difference between got and
 * want, for failure messages (static buffer, one thread at a time). */
const char *tt_describe_diff(const tt_tensor *got, const tt_tensor *want, int64_t i);

#endif
