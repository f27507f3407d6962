/* c_loops.h — reference loops compiled with gcc -O3 -march=native. */
#ifndef TVMC_BENCH_C_LOOPS_H
#define TVMC_BENCH_C_LOOPS_H

#include <stdint.h>

/* c[i] = max(a[i] + b[i], 0) */
void c_add_relu(const float *restrict a, const float *restrict b, float *restrict c,
                int64_t n);

#endif
