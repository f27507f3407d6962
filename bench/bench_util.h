/* bench_util.h — what every benchmark program here shares: a monotonic
 * clock, medians and a TRY that stops the program on a tvmc error (a
 * benchmark has no recovery to offer, only a clear message). */
#ifndef TVMC_BENCH_UTIL_H
#define TVMC_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <tvmc.h>

static inline double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline double now_ms(void) { return now_ns() / 1e6; }

static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts v in place and returns its median. */
static inline double median(double *v, int n) {
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#define TRY(call)                                                              \
    do {                                                                       \
        tvm_status s_ = (call);                                                \
        if (s_ != TVM_OK) {                                                    \
            fprintf(stderr, "%s failed: %s: %s\n", #call, tvm_status_string(s_), \
                    tvm_last_error());                                         \
            exit(1);                                                           \
        }                                                                      \
    } while (0)

#endif
