/* hygiene_dlopen.c — G13 (f) / G9 library lifecycle: load and unload tvmc
 * N times in a process that is not linked with it.
 *
 *     hygiene_dlopen LIBRARY [CYCLES]
 *
 * Each cycle: dlopen(LIBRARY, RTLD_NOW | RTLD_LOCAL), create a context,
 * compile on both targets, call and check the results, destroy, dlclose.
 * After every dlclose the thread count must be back at its value before the
 * first dlopen. The first cycle also reports whether dlclose really unloaded
 * the library (RTLD_NOLOAD). Exit code 0 on success; in the ASan build LSan
 * checks at exit that the cycles leaked nothing. This program only includes
 * tvmc.h for the types: every function comes from dlsym.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tvmc.h"

typedef struct api {
    __typeof__(tvm_context_create) *context_create;
    __typeof__(tvm_context_destroy) *context_destroy;
    __typeof__(tvm_graph_create) *graph_create;
    __typeof__(tvm_graph_destroy) *graph_destroy;
    __typeof__(tvm_size_var) *size_var;
    __typeof__(tvm_iter_var) *iter_var;
    __typeof__(tvm_placeholder) *placeholder;
    __typeof__(tvm_compute) *compute;
    __typeof__(tvm_load) *load;
    __typeof__(tvm_mul) *mul;
    __typeof__(tvm_add) *add;
    __typeof__(tvm_const_float) *const_float;
    __typeof__(tvm_compile) *compile;
    __typeof__(tvm_function_call) *function_call;
    __typeof__(tvm_function_release) *function_release;
    __typeof__(tvm_last_error) *last_error;
} api;

static int count_threads(void) {
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n;
}

#define LOAD(field, name)                                                      \
    do {                                                                       \
        *(void **)&a->field = dlsym(h, name);                                  \
        if (!a->field) {                                                       \
            fprintf(stderr, "dlsym(%s): %s\n", name, dlerror());               \
            return false;                                                      \
        }                                                                      \
    } while (0)

static bool load_api(void *h, api *a) {
    LOAD(context_create, "tvm_context_create");
    LOAD(context_destroy, "tvm_context_destroy");
    LOAD(graph_create, "tvm_graph_create");
    LOAD(graph_destroy, "tvm_graph_destroy");
    LOAD(size_var, "tvm_size_var");
    LOAD(iter_var, "tvm_iter_var");
    LOAD(placeholder, "tvm_placeholder");
    LOAD(compute, "tvm_compute");
    LOAD(load, "tvm_load");
    LOAD(mul, "tvm_mul");
    LOAD(add, "tvm_add");
    LOAD(const_float, "tvm_const_float");
    LOAD(compile, "tvm_compile");
    LOAD(function_call, "tvm_function_call");
    LOAD(function_release, "tvm_function_release");
    LOAD(last_error, "tvm_last_error");
    return true;
}

/* B = A * k + 1 on target; returns false with a message on any failure. */
static bool one_kernel(const api *a, tvm_context *ctx, const char *target, int cycle) {
    tvm_graph *g = a->graph_create(ctx);
    if (!g) return false;
    tvm_expr n = a->size_var(g, "n"), i = a->iter_var(g, "i");
    tvm_tensor A = a->placeholder(g, "A", TVM_FLOAT32, 1, &n);
    double k = 1.0 + cycle % 7;
    tvm_expr body = a->add(g, a->mul(g, a->load(g, A, &i), a->const_float(g, TVM_FLOAT32, k)),
                           a->const_float(g, TVM_FLOAT32, 1));
    tvm_tensor B = a->compute(g, "B", 1, &n, &i, body);
    tvm_compile_options o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.target = target;
    tvm_function *fn = NULL;
    bool ok = a->compile(g, 1, &A, 1, &B, &o, &fn) == TVM_OK;
    if (!ok) fprintf(stderr, "cycle %d [%s]: compile failed: %s\n", cycle, target, a->last_error());
    float x[6] = {0, 1, 2, 3, -4, 0.5f}, y[6] = {0};
    int64_t shape[1] = {6};
    DLTensor tx = {.data = x, .device = {kDLCPU, 0}, .ndim = 1, .dtype = {kDLFloat, 32, 1}, .shape = shape};
    DLTensor ty = tx;
    ty.data = y;
    if (ok) {
        ok = a->function_call(fn, (DLTensor *[]){&tx, &ty}, 2) == TVM_OK;
        if (!ok) fprintf(stderr, "cycle %d [%s]: call failed: %s\n", cycle, target, a->last_error());
    }
    for (int e = 0; e < 6 && ok; e++)
        if (y[e] != (float)(x[e] * k + 1)) {
            fprintf(stderr, "cycle %d [%s]: B[%d] = %g, want %g\n", cycle, target, e, y[e],
                    x[e] * k + 1);
            ok = false;
        }
    a->function_release(fn);
    a->graph_destroy(g);
    return ok;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s LIBRARY [CYCLES]\n", argv[0]);
        return 2;
    }
    const char *lib = argv[1];
    int cycles = argc > 2 ? atoi(argv[2]) : 100;
    int threads0 = count_threads();
    int unloaded = -1, failures = 0;
    for (int c = 0; c < cycles; c++) {
        void *h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            fprintf(stderr, "cycle %d: dlopen: %s\n", c, dlerror());
            return 1;
        }
        api a;
        if (!load_api(h, &a)) return 1;
        tvm_context *ctx = NULL;
        if (a.context_create(NULL, &ctx) != TVM_OK) {
            fprintf(stderr, "cycle %d: context_create: %s\n", c, a.last_error());
            return 1;
        }
        failures += !one_kernel(&a, ctx, "llvm", c);
        failures += !one_kernel(&a, ctx, "interp", c);
        a.context_destroy(ctx);
        if (dlclose(h) != 0) {
            fprintf(stderr, "cycle %d: dlclose: %s\n", c, dlerror());
            return 1;
        }
        if (c == 0) {
            void *again = dlopen(lib, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
            unloaded = again == NULL;
            if (again) dlclose(again);
        }
        int threads = count_threads();
        if (threads != threads0) {
            fprintf(stderr, "cycle %d: %d threads after dlclose, %d before the first dlopen\n", c,
                    threads, threads0);
            return 1;
        }
    }
    printf("  hygiene_dlopen: %d dlopen/compile/call/dlclose cycles, %d failures, %d thread(s) "
           "after each, library %s by dlclose\n", cycles, failures, threads0,
           unloaded == 1 ? "unloaded" : "kept loaded (still referenced or NODELETE)");
    return failures ? 1 : 0;
}
