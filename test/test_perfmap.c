/* test_perfmap.c — TVMC_PERF_MAP=1 names kernel code for perf: every line of
 * /tmp/perf-PID.map must name a kernel function, labelled with the buffer
 * the code stores (the output's name in the loop IR), and lie inside
 * executable memory of this process (/proc/self/maps), and the kernel still
 * computes the right values. Its own binary: the variable is read once per
 * process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tensor_util.h"

/* Whether [lo, hi) lies inside one executable mapping of this process. */
static bool in_executable_mapping(unsigned long long lo, unsigned long long hi) {
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return false;
    char line[512];
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long long a, b;
        char perms[8];
        if (sscanf(line, "%llx-%llx %7s", &a, &b, perms) == 3 && perms[2] == 'x' && lo >= a &&
            hi <= b)
            found = true;
    }
    fclose(f);
    return found;
}

/* C[i, j] = sum_k A[i, k] B[k, j], 64 x 96 x 48 on two threads (parallel
 * helpers in the object besides the entry), against a plain C loop. */
TEST(perf_map_names_kernel_code) {
#ifndef __linux__
    TEST_SKIP_RETURN("perf maps are a Linux convention");
#endif
    setenv("TVMC_PERF_MAP", "1", 1);
    char path[64];
    snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
    remove(path);
    tvm_context *ctx = tt_context();
    tvm_graph *g = tvm_graph_create(ctx);
    const int64_t M = 64, N = 96, K = 48;
    tvm_tensor A = tvm_placeholder(g, "A", TVM_FLOAT32, 2,
                                   (tvm_expr[]){tvm_const_int(g, TVM_INT64, M), tvm_const_int(g, TVM_INT64, K)});
    tvm_tensor B = tvm_placeholder(g, "B", TVM_FLOAT32, 2,
                                   (tvm_expr[]){tvm_const_int(g, TVM_INT64, K), tvm_const_int(g, TVM_INT64, N)});
    tvm_tensor C = tvm_op_matmul(g, A, B, 0, 0);
    CHECK_OK_OR_RETURN(tvm_graph_status(g));
    tvm_compile_options o = tt_options("llvm", TVM_OPT_O3, TVM_COMPILE_NO_CACHE);
    tvm_function *fn = NULL;
    CHECK_OK_OR_RETURN(tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, &o, &fn));
    static float a[64 * 48], b[48 * 96], c[64 * 96];
    for (int i = 0; i < M * K; i++) a[i] = (float)(i % 7) - 3.0f;
    for (int i = 0; i < K * N; i++) b[i] = (float)(i % 5) * 0.5f;
    int64_t sa[2] = {M, K}, sb[2] = {K, N}, sc[2] = {M, N};
    DLTensor ta = {a, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, sa, NULL, 0};
    DLTensor tb = {b, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, sb, NULL, 0};
    DLTensor tc = {c, {kDLCPU, 0}, 2, {kDLFloat, 32, 1}, sc, NULL, 0};
    DLTensor *args[3] = {&ta, &tb, &tc};
    if (CHECK_OK(tvm_function_call(fn, args, 3))) {
        long bad = 0; /* small integers and halves: every sum is exact */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                float s = 0;
                for (int k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
                bad += c[i * N + j] != s;
            }
        CHECK(bad == 0);
        /* the label: the output buffer (arg 2) as the loop IR prints it */
        char *loop = NULL, label[96] = "(?)";
        CHECK_OK(tvm_function_source(fn, "loop", &loop));
        const char *at = loop ? strstr(loop, ": float32 arg 2 [") : NULL;
        if (at) {
            const char *b = at;
            while (b > loop && b[-1] != ' ' && b[-1] != '\n') b--;
            snprintf(label, sizeof label, "(%.*s):", (int)(at - b), b);
        }
        CHECK(at != NULL);
        tvm_free(loop);
        /* the code is still mapped while fn lives */
        FILE *f = fopen(path, "r");
        CHECK(f != NULL);
        int lines = 0, named = 0, labelled = 0, mapped = 0;
        char line[512];
        while (f && fgets(line, sizeof line, f)) {
            unsigned long long start, size;
            char name[256];
            if (sscanf(line, "%llx %llx %255s", &start, &size, name) != 3) continue;
            lines++;
            named += strstr(name, "tvmc_k_") != NULL;
            labelled += strstr(name, label) != NULL;
            mapped += size > 0 && in_executable_mapping(start, start + size);
        }
        if (f) fclose(f);
        CHECK(lines > 0);
        CHECK_EQ_INT(named, lines);
        if (labelled != lines) fprintf(stderr, "want every line labelled %s\n", label);
        CHECK_EQ_INT(labelled, lines);
        CHECK_EQ_INT(mapped, lines);
    }
    remove(path);
    tvm_function_release(fn);
    tvm_graph_destroy(g);
    tvm_context_destroy(ctx);
}

CHECK_MAIN()
