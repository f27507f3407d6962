/* c_loops.c — the plain C loops tvmc is measured against. Built on its own
 * with -O3 -march=native (bench/meson.build), the way a user would compile
 * the hand-written alternative. */
#include "c_loops.h"

void c_add_relu(const float *restrict a, const float *restrict b, float *restrict c,
                int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        float s = a[i] + b[i];
        c[i] = s > 0.0f ? s : 0.0f;
    }
}
