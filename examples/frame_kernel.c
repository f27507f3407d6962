/* frame_kernel.c — a game engine's per-frame kernel through a direct entry.
 *
 * The particle update (velocity damped toward a wind, positions advanced,
 * the floor at y = 0) is compiled once for a constant particle count; the
 * engine then calls the kernel every frame as a plain C function taking one
 * pointer per tensor, with no DLTensor to fill or check
 * (tvm_function_entry in tvmc.h says what the caller guarantees instead).
 *
 *   ninja -C build && ./build/examples/frame_kernel
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tvmc.h>

#define N 4096     /* particles */
#define FRAMES 600 /* ten seconds at 60 Hz */

#define TRY(call)                                                              \
    do {                                                                       \
        if ((call) != TVM_OK) {                                                \
            fprintf(stderr, "%s: %s\n", #call, tvm_last_error());              \
            return 1;                                                          \
        }                                                                      \
    } while (0)

/* new_v = v + (wind - v) * 0.02; new_p = max(p + new_v * dt, 0) */
static tvm_status build(tvm_context *ctx, tvm_function **fn) {
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_expr n = tvm_const_int(g, TVM_INT64, N), i = tvm_iter_var(g, "i");
    tvm_tensor p = tvm_placeholder(g, "p", TVM_FLOAT32, 1, &n);
    tvm_tensor v = tvm_placeholder(g, "v", TVM_FLOAT32, 1, &n);
    tvm_tensor wind = tvm_placeholder(g, "wind", TVM_FLOAT32, 1, &n);
    tvm_expr vi = tvm_load(g, v, &i);
    tvm_expr nv = tvm_add(g, vi, tvm_mul(g, tvm_sub(g, tvm_load(g, wind, &i), vi),
                                         tvm_const_float(g, TVM_FLOAT32, 0.02)));
    tvm_tensor new_v = tvm_compute(g, "new_v", 1, &n, &i, nv);
    tvm_expr np = tvm_max(g, tvm_add(g, tvm_load(g, p, &i),
                                     tvm_mul(g, nv, tvm_const_float(g, TVM_FLOAT32, 1.0 / 60))),
                          tvm_const_float(g, TVM_FLOAT32, 0.0));
    tvm_tensor new_p = tvm_compute(g, "new_p", 1, &n, &i, np);
    tvm_status st = tvm_compile(g, 3, (tvm_tensor[]){p, v, wind}, 2,
                                (tvm_tensor[]){new_p, new_v}, NULL, fn);
    tvm_graph_destroy(g);
    return st;
}

int main(void) {
    static float pos[2][N], vel[2][N], wind[N], ref_p[N], ref_v[N];
    for (int k = 0; k < N; k++) {
        pos[0][k] = ref_p[k] = (float)(k % 100);
        vel[0][k] = ref_v[k] = (float)(k % 7) - 3.0f;
        wind[k] = (float)(k % 13) * 0.5f - 3.0f;
    }
    tvm_context *ctx;
    TRY(tvm_context_create(NULL, &ctx));
    tvm_function *fn;
    TRY(build(ctx, &fn));
    tvm_entry *entry;
    tvm_entry_fn code;
    TRY(tvm_function_entry(fn, &entry, &code));
    tvm_function_release(fn); /* the entry keeps it alive */
    /* inputs p, v, wind, then outputs new_p, new_v */
    int32_t (*update)(const float *, const float *, const float *, float *, float *) =
        (int32_t(*)(const float *, const float *, const float *, float *, float *))code;

    int cur = 0;
    for (int f = 0; f < FRAMES; f++) { /* the engine's loop: ping-pong buffers */
        int32_t rc = update(pos[cur], vel[cur], wind, pos[!cur], vel[!cur]);
        if (rc != TVM_OK) {
            fprintf(stderr, "frame %d: %s\n", f, tvm_last_error());
            return 1;
        }
        cur = !cur;
    }
    /* the same frames in plain C (no FMA contraction: the kernel rounds
     * every operation, as IEEE and tvmc's semantics say) */
    for (int f = 0; f < FRAMES; f++)
        for (int k = 0; k < N; k++) {
            volatile float d = (wind[k] - ref_v[k]) * 0.02f;
            float nv = ref_v[k] + d;
            volatile float step = nv * (float)(1.0 / 60);
            float np = ref_p[k] + step;
            ref_v[k] = nv;
            ref_p[k] = np > 0.0f ? np : 0.0f;
        }
    int bad = memcmp(pos[cur], ref_p, sizeof ref_p) != 0 || memcmp(vel[cur], ref_v, sizeof ref_v) != 0;
    printf("%d frames of %d particles through the direct entry: particle 5 at %.3f "
           "(velocity %.3f), %s the C loop\n", FRAMES, N, (double)pos[cur][5],
           (double)vel[cur][5], bad ? "DIFFERENT from" : "bit-identical to");
    tvm_entry_destroy(entry);
    tvm_context_destroy(ctx);
    return bad;
}
