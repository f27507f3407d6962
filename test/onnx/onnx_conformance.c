/* onnx_conformance.c — runs ONNX's backend test data (Debian's
 * libonnx-testdata) through the importer and compares with the recorded
 * outputs.
 *
 *   onnx_conformance DATA_ROOT [EXPECTED_FILE] [--verbose] [--filter SUBSTR]
 *                    [--target llvm|interp]
 *
 * For each suite directory (node, pytorch-converted, pytorch-operator,
 * simple) and each test in it: import model.onnx, compile it (llvm, or the
 * --target given), and
 * for each test_data_set_*: feed input_*.pb, compare with output_*.pb
 * (|got - want| <= atol + rtol * |want|, rtol 1e-3 and atol 1e-7 as ONNX's
 * backend tests; NaN matches NaN; integers and bools exactly). A test is
 * "unsupported" when import or compile says TVM_ERR_UNSUPPORTED, "failed"
 * on any other error or mismatch. Each test runs in a forked child with a
 * time limit, so a crash or hang costs one test, not the run.
 *
 * Many node tests feed as run-time inputs what tvmc needs while building
 * (Reshape's shape, Clip's bounds, Slice's starts, ...). When the import
 * names such an input, the test is retried with it bound to each data set's
 * value (tvm_onnx_options.bindings); the summary counts those passes
 * separately.
 *
 * EXPECTED_FILE holds lines "SUITE MIN_PASSED": the run fails when a suite
 * passes fewer tests than recorded. */
#define _GNU_SOURCE
#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "onnx.pb-c.h"
#include "tvmc.h"

#define MAX_MODEL_BYTES (16u << 20) /* bigger models are skipped, with a notice */
#define TEST_SECONDS 20

enum { R_PASS = 0, R_FAIL = 1, R_UNSUPPORTED = 2, R_SKIPPED = 3 };

static bool verbose;
static const char *target = "llvm"; /* --target interp checks the reference backend */

static void *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return buf;
}

/* A decoded test tensor, in tvmc's layout. */
typedef struct tensor {
    tvm_dtype dtype;
    int ndim;
    int64_t shape[TVM_MAX_NDIM];
    int64_t numel;
    void *data;
} tensor;

static int dtype_size(tvm_dtype d) {
    switch (d) {
    case TVM_FLOAT64: case TVM_INT64: return 8;
    case TVM_FLOAT32: case TVM_INT32: return 4;
    case TVM_FLOAT16: case TVM_BFLOAT16: case TVM_INT16: return 2;
    default: return 1;
    }
}

static tvm_dtype map_dtype(int32_t t) {
    switch (t) {
    case 1: return TVM_FLOAT32;
    case 2: return TVM_UINT8;
    case 3: return TVM_INT8;
    case 5: return TVM_INT16;
    case 6: return TVM_INT32;
    case 7: return TVM_INT64;
    case 9: return TVM_BOOL;
    case 10: return TVM_FLOAT16;
    case 11: return TVM_FLOAT64;
    case 16: return TVM_BFLOAT16;
    default: return 0;
    }
}

/* Reads a TensorProto file. Returns false (with why) when it cannot; sets
 * unsupported when the reason is an element type tvmc lacks. */
static bool unsupported;
static bool load_tensor(const char *path, tensor *t, char *why, size_t wn) {
    size_t size;
    uint8_t *buf = read_file(path, &size);
    if (!buf) {
        snprintf(why, wn, "cannot read %s", path);
        return false;
    }
    Onnx__TensorProto *p = onnx__tensor_proto__unpack(NULL, size, buf);
    free(buf);
    if (!p) {
        snprintf(why, wn, "%s is not a TensorProto", path);
        return false;
    }
    bool ok = false;
    t->dtype = map_dtype(p->data_type);
    if (!t->dtype || p->n_dims > TVM_MAX_NDIM) {
        snprintf(why, wn, "test tensor of element type %d, which tvmc has no dtype for",
                 p->data_type);
        unsupported = true;
        goto out;
    }
    t->ndim = (int)p->n_dims;
    t->numel = 1;
    for (int k = 0; k < t->ndim; k++) {
        t->shape[k] = p->dims[k];
        if (p->dims[k] < 0 || p->dims[k] > (1 << 28) || (t->numel *= p->dims[k]) > (1 << 28)) {
            snprintf(why, wn, "%s: not a tensor of a sane shape (a sequence?)", path);
            goto out;
        }
    }
    size_t es = (size_t)dtype_size(t->dtype), bytes = (size_t)t->numel * es;
    t->data = calloc(bytes + 1, 1);
    if (!t->data) {
        snprintf(why, wn, "no memory for %s", path);
        goto out;
    }
    size_t have = p->data_type == 1 ? p->n_float_data : p->data_type == 11 ? p->n_double_data
                  : p->data_type == 7 ? p->n_int64_data : p->n_int32_data;
    if (!p->has_raw_data && have != (size_t)t->numel) {
        snprintf(why, wn, "%s holds %zu values for %lld elements", path, have,
                 (long long)t->numel);
        goto out;
    }
    if (p->has_raw_data) {
        if (p->raw_data.len != bytes) {
            snprintf(why, wn, "raw_data size mismatch in %s", path);
            goto out;
        }
        if (bytes) memcpy(t->data, p->raw_data.data, bytes); /* empty: data may be NULL */
    } else {
        for (int64_t k = 0; k < t->numel; k++) {
            switch (t->dtype) {
            case TVM_FLOAT32: ((float *)t->data)[k] = p->float_data[k]; break;
            case TVM_FLOAT64: ((double *)t->data)[k] = p->double_data[k]; break;
            case TVM_INT64: ((int64_t *)t->data)[k] = p->int64_data[k]; break;
            case TVM_INT32: ((int32_t *)t->data)[k] = p->int32_data[k]; break;
            case TVM_INT16: case TVM_FLOAT16: case TVM_BFLOAT16:
                ((int16_t *)t->data)[k] = (int16_t)p->int32_data[k]; break;
            default: ((int8_t *)t->data)[k] = (int8_t)p->int32_data[k]; break;
            }
        }
    }
    ok = true;
out:
    onnx__tensor_proto__free_unpacked(p, NULL);
    return ok;
}

static DLTensor as_dl(tensor *t) {
    DLTensor d;
    memset(&d, 0, sizeof d);
    d.data = t->data;
    d.device.device_type = kDLCPU;
    d.ndim = t->ndim;
    d.shape = t->shape;
    d.dtype.lanes = 1;
    d.dtype.bits = (uint8_t)(dtype_size(t->dtype) * 8);
    switch (t->dtype) {
    case TVM_FLOAT32: case TVM_FLOAT64: case TVM_FLOAT16: d.dtype.code = kDLFloat; break;
    case TVM_BFLOAT16: d.dtype.code = kDLBfloat; break;
    case TVM_UINT8: case TVM_BOOL: d.dtype.code = kDLUInt; break;
    default: d.dtype.code = kDLInt; break;
    }
    return d;
}

static double elem(const tensor *t, int64_t k) {
    const void *p = t->data;
    switch (t->dtype) {
    case TVM_FLOAT32: return ((const float *)p)[k];
    case TVM_FLOAT64: return ((const double *)p)[k];
    case TVM_INT64: return (double)((const int64_t *)p)[k];
    case TVM_INT32: return ((const int32_t *)p)[k];
    case TVM_INT16: return ((const int16_t *)p)[k];
    case TVM_INT8: return ((const int8_t *)p)[k];
    case TVM_FLOAT16: {
        uint16_t h = ((const uint16_t *)p)[k];
        int e = (h >> 10) & 31, m = h & 1023;
        double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY)
                                                     : ldexp(m + 1024, e - 25);
        return h & 0x8000 ? -v : v;
    }
    case TVM_BFLOAT16: {
        uint32_t b = (uint32_t)((const uint16_t *)p)[k] << 16;
        float f;
        memcpy(&f, &b, 4);
        return f;
    }
    default: return ((const uint8_t *)p)[k];
    }
}

static bool compare(const tensor *got, const tensor *want, char *why, size_t wn) {
    bool is_float = want->dtype == TVM_FLOAT32 || want->dtype == TVM_FLOAT64 ||
                    want->dtype == TVM_FLOAT16 || want->dtype == TVM_BFLOAT16;
    double rtol = 1e-3, atol = 1e-7;
    if (want->dtype == TVM_FLOAT16 || want->dtype == TVM_BFLOAT16) atol = 1e-3;
    for (int64_t k = 0; k < want->numel; k++) {
        if (want->dtype == TVM_INT64) {
            int64_t a = ((int64_t *)got->data)[k], b = ((int64_t *)want->data)[k];
            if (a != b) {
                snprintf(why, wn, "element %lld: got %lld, want %lld", (long long)k,
                         (long long)a, (long long)b);
                return false;
            }
            continue;
        }
        double a = elem(got, k), b = elem(want, k);
        bool ok = is_float ? ((isnan(a) && isnan(b)) || a == b || fabs(a - b) <= atol + rtol * fabs(b))
                           : a == b;
        if (!ok) {
            snprintf(why, wn, "element %lld: got %.9g, want %.9g", (long long)k, a, b);
            return false;
        }
    }
    return true;
}

static int count_files(const char *dir, const char *prefix) {
    int n = 0;
    char path[4096];
    for (;; n++) {
        snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, n);
        if (access(path, R_OK) != 0) return n;
    }
}

/* The model's graph inputs that are fed at run time (initializers
 * excluded), in order: input_<k>.pb belongs to the k-th. */
typedef struct model_inputs {
    int n;
    char *names[128];
} model_inputs;

static bool read_input_names(const uint8_t *bytes, size_t size, model_inputs *mi) {
    Onnx__ModelProto *m = onnx__model_proto__unpack(NULL, size, bytes);
    if (!m) return false;
    mi->n = 0;
    const Onnx__GraphProto *gp = m->graph;
    for (size_t k = 0; gp && k < gp->n_input && mi->n < 128; k++) {
        bool init = false;
        for (size_t j = 0; j < gp->n_initializer && !init; j++)
            init = !strcmp(gp->initializer[j]->name, gp->input[k]->name);
        if (!init) mi->names[mi->n++] = strdup(gp->input[k]->name);
    }
    onnx__model_proto__free_unpacked(m, NULL);
    return true;
}

static int input_index(const model_inputs *mi, const char *name) {
    for (int k = 0; k < mi->n; k++)
        if (!strcmp(mi->names[k], name)) return k;
    return -1;
}

static int bindable_input(const char *msg, const model_inputs *mi);

/* Imports (with the inputs listed in bind given data set sdir's values),
 * compiles, runs and compares one data set. */
static int run_set(tvm_context *ctx, const uint8_t *bytes, size_t size, const model_inputs *mi,
                   char **bind, int nbind, const char *sdir, char *why, size_t wn) {
    char path[4096];
    tensor t[128];
    memset(t, 0, sizeof t);
    int nfiles = count_files(sdir, "input"), nout_files = count_files(sdir, "output");
    if (nfiles != mi->n) {
        snprintf(why, wn, "data set has %d inputs; the model %d", nfiles, mi->n);
        return R_FAIL;
    }
    int rc = R_FAIL;
    for (int k = 0; k < nfiles; k++) {
        snprintf(path, sizeof path, "%s/input_%d.pb", sdir, k);
        if (!load_tensor(path, &t[k], why, wn)) {
            if (unsupported) rc = R_UNSUPPORTED;
            /* the model's verdict comes first: a sequence or optional input
             * makes its data file unreadable here, and the import says so */
            tvm_graph *pg = tvm_graph_create(ctx);
            tvm_onnx_model *pm = NULL;
            if (tvm_onnx_import(pg, bytes, size, NULL, &pm) == TVM_ERR_UNSUPPORTED &&
                bindable_input(tvm_last_error(), mi) < 0) {
                snprintf(why, wn, "import: %s", tvm_last_error());
                rc = R_UNSUPPORTED;
            }
            tvm_onnx_model_free(pm);
            tvm_graph_destroy(pg);
            goto free_inputs;
        }
    }
    tvm_onnx_binding bindings[16];
    DLTensor bdl[16];
    for (int k = 0; k < nbind; k++) {
        int idx = input_index(mi, bind[k]);
        bdl[k] = as_dl(&t[idx]);
        bindings[k] = (tvm_onnx_binding){bind[k], &bdl[k]};
    }
    tvm_onnx_options opts = {.struct_size = sizeof opts, .nbindings = nbind, .bindings = bindings};
    tvm_graph *g = tvm_graph_create(ctx);
    tvm_onnx_model *m = NULL;
    tvm_function *fn = NULL;
    tensor got[64];
    memset(got, 0, sizeof got);
    tensor want[64];
    memset(want, 0, sizeof want);
    int nin = 0, nout = 0;
    tvm_status s = tvm_onnx_import(g, bytes, size, &opts, &m);
    if (s != TVM_OK) {
        snprintf(why, wn, "import: %s", tvm_last_error());
        rc = s == TVM_ERR_UNSUPPORTED ? R_UNSUPPORTED : R_FAIL;
        goto out;
    }
    tvm_onnx_model_counts(m, &nin, &nout);
    if (nin > 64 || nout > 64 || nout != nout_files) {
        snprintf(why, wn, "model has %d inputs / %d outputs; data set %d outputs", nin, nout,
                 nout_files);
        goto out;
    }
    tvm_tensor ins[64], outs[64];
    int file_of[64];
    for (int k = 0; k < nin + nout; k++) {
        tvm_onnx_value v = {.struct_size = sizeof v};
        if (k < nin) {
            tvm_onnx_model_input(m, k, &v);
            ins[k] = v.tensor;
            file_of[k] = input_index(mi, v.name);
            if (file_of[k] < 0) {
                snprintf(why, wn, "input '%s' has no data file", v.name);
                goto out;
            }
        } else {
            tvm_onnx_model_output(m, k - nin, &v);
            outs[k - nin] = v.tensor;
        }
    }
    tvm_compile_options o = {sizeof o, target, 0, 0};
    s = tvm_compile(g, nin, ins, nout, outs, &o, &fn);
    if (s != TVM_OK) {
        snprintf(why, wn, "compile: %s", tvm_last_error());
        rc = s == TVM_ERR_UNSUPPORTED ? R_UNSUPPORTED : R_FAIL;
        goto out;
    }
    for (int k = 0; k < nout; k++) {
        snprintf(path, sizeof path, "%s/output_%d.pb", sdir, k);
        if (!load_tensor(path, &want[k], why, wn)) {
            if (unsupported) rc = R_UNSUPPORTED;
            goto out;
        }
        tvm_dtype dt;
        int nd;
        tvm_function_arg_info(fn, nin + k, &dt, &nd);
        if (dt != want[k].dtype || nd != want[k].ndim) {
            snprintf(why, wn, "output %d: dtype %d rank %d, expected dtype %d rank %d", k, dt,
                     nd, want[k].dtype, want[k].ndim);
            goto out;
        }
        got[k] = want[k];
        got[k].data = calloc((size_t)want[k].numel * (size_t)dtype_size(dt) + 1, 1);
    }
    DLTensor dl[128];
    DLTensor *args[128];
    for (int k = 0; k < nin; k++) dl[k] = as_dl(&t[file_of[k]]);
    for (int k = 0; k < nout; k++) dl[nin + k] = as_dl(&got[k]);
    for (int k = 0; k < nin + nout; k++) args[k] = &dl[k];
    s = tvm_function_call(fn, args, nin + nout);
    if (s != TVM_OK) {
        snprintf(why, wn, "call: %s", tvm_last_error());
        rc = s == TVM_ERR_UNSUPPORTED ? R_UNSUPPORTED : R_FAIL;
        goto out;
    }
    rc = R_PASS;
    for (int k = 0; k < nout && rc == R_PASS; k++) {
        char cw[256];
        if (!compare(&got[k], &want[k], cw, sizeof cw)) {
            snprintf(why, wn, "%s output %d: %s", strrchr(sdir, '/') + 1, k, cw);
            rc = R_FAIL;
        }
    }
out:
    for (int k = 0; k < 64; k++) free(got[k].data), free(want[k].data);
    tvm_function_release(fn);
    tvm_onnx_model_free(m);
    tvm_graph_destroy(g);
free_inputs:
    for (int k = 0; k < nfiles; k++) free(t[k].data);
    return rc;
}

/* Which graph input an "input 'NAME' ... must be known at import time"
 * message names, if it is one the runner can bind; else -1. */
static int bindable_input(const char *msg, const model_inputs *mi) {
    if (!strstr(msg, "must be known at import time")) return -1;
    const char *p = strstr(msg, "input '");
    if (!p) return -1;
    p += 7;
    const char *e = strchr(p, '\'');
    if (!e) return -1;
    char name[256];
    snprintf(name, sizeof name, "%.*s", (int)(e - p), p);
    return input_index(mi, name);
}

/* Runs one test directory in the current process; returns R_*. A model
 * that needs a run-time input at import time (a Reshape shape fed as an
 * input, ...) is retried with that input bound to each data set's value;
 * *bound tells the caller. */
static int run_test(const char *dir, char *why, size_t wn, int *bound) {
    char path[4096];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    struct stat st;
    *bound = 0;
    if (stat(path, &st) != 0) {
        snprintf(why, wn, "no model.onnx");
        return R_FAIL;
    }
    if ((size_t)st.st_size > MAX_MODEL_BYTES) {
        snprintf(why, wn, "model has %lld bytes: skipped to keep the run short",
                 (long long)st.st_size);
        return R_SKIPPED;
    }
    size_t size;
    uint8_t *bytes = read_file(path, &size);
    model_inputs mi;
    if (!bytes || !read_input_names(bytes, size, &mi)) {
        free(bytes);
        snprintf(why, wn, "model.onnx does not parse as a ModelProto");
        return R_FAIL;
    }
    tvm_context *ctx;
    tvm_context_options co = {sizeof co, 1, 0, 0, 0};
    if (tvm_context_create(&co, &ctx) != TVM_OK) {
        snprintf(why, wn, "context: %s", tvm_last_error());
        free(bytes);
        return R_FAIL;
    }
    char *bind[16];
    int nbind = 0, rc = R_FAIL;
    for (int set = 0;; set++) {
        char sdir[4096];
        snprintf(sdir, sizeof sdir, "%s/test_data_set_%d", dir, set);
        if (access(sdir, R_OK) != 0) {
            if (set == 0) snprintf(why, wn, "no test data sets");
            break;
        }
        rc = run_set(ctx, bytes, size, &mi, bind, nbind, sdir, why, wn);
        int idx;
        while (rc == R_UNSUPPORTED && nbind < 16 && (idx = bindable_input(why, &mi)) >= 0) {
            bool dup = false;
            for (int k = 0; k < nbind; k++) dup |= !strcmp(bind[k], mi.names[idx]);
            if (dup) break;
            bind[nbind++] = mi.names[idx];
            rc = run_set(ctx, bytes, size, &mi, bind, nbind, sdir, why, wn);
        }
        if (rc != R_PASS) break;
    }
    *bound = nbind;
    tvm_context_destroy(ctx);
    for (int k = 0; k < mi.n; k++) free(mi.names[k]);
    free(bytes);
    return rc;
}

/* Forks, runs the test with a time limit, and reads the child's verdict
 * and reason through a pipe. */
static int run_isolated(const char *dir, char *why, size_t wn, bool *bound) {
    int fds[2];
    if (pipe(fds) != 0) return R_FAIL;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        alarm(TEST_SECONDS);
        char w[1024] = "";
        int bound;
        int rc = run_test(dir, w, sizeof w, &bound);
        if (write(fds[1], w, strlen(w)) < 0) _exit(R_FAIL);
        _exit(rc | (bound ? 8 : 0));
    }
    close(fds[1]);
    ssize_t n = read(fds[0], why, wn - 1);
    why[n > 0 ? n : 0] = 0;
    close(fds[0]);
    int st;
    waitpid(pid, &st, 0);
    *bound = false;
    if (WIFSIGNALED(st)) {
        snprintf(why, wn, "child died with signal %d%s", WTERMSIG(st),
                 WTERMSIG(st) == SIGALRM ? " (time limit)" : "");
        return R_FAIL;
    }
    *bound = (WEXITSTATUS(st) & 8) != 0;
    return WEXITSTATUS(st) & 7;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv) {
    const char *root = NULL, *expected = NULL, *filter = NULL;
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "--verbose")) verbose = true;
        else if (!strcmp(argv[k], "--filter") && k + 1 < argc) filter = argv[++k];
        else if (!strcmp(argv[k], "--target") && k + 1 < argc) target = argv[++k];
        else if (!root) root = argv[k];
        else expected = argv[k];
    }
    if (!root) {
        fprintf(stderr, "usage: %s DATA_ROOT [EXPECTED_FILE] [--verbose] [--filter S]\n", argv[0]);
        return 2;
    }
    if (access(root, R_OK) != 0) {
        printf("SKIP: %s not found (apt-get install libonnx-testdata)\n", root);
        return 77;
    }
    static const char *suites[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};
    int totals[4][4] = {{0}};
    int all[4] = {0};
    int with_bound[4] = {0}; /* passes that needed run-time inputs bound at import */
    time_t t0 = time(NULL);
    for (int s = 0; s < 4; s++) {
        char sdir[4096];
        snprintf(sdir, sizeof sdir, "%s/%s", root, suites[s]);
        DIR *d = opendir(sdir);
        if (!d) continue;
        char *names[4096];
        int nn = 0;
        struct dirent *e;
        while ((e = readdir(d)) && nn < 4096)
            if (e->d_name[0] != '.' && (!filter || strstr(e->d_name, filter)))
                names[nn++] = strdup(e->d_name);
        closedir(d);
        qsort(names, (size_t)nn, sizeof names[0], cmp_str);
        for (int k = 0; k < nn; k++) {
            char dir[4096], why[1024];
            snprintf(dir, sizeof dir, "%s/%s", sdir, names[k]);
            bool bound;
            int r = run_isolated(dir, why, sizeof why, &bound);
            totals[s][r]++;
            if (r == R_PASS && bound) with_bound[s]++;
            all[r]++;
            if (r == R_SKIPPED || (verbose && r != R_PASS) || (verbose && r == R_PASS))
                printf("%-11s %s/%s%s%s\n",
                       r == R_PASS ? "pass" : r == R_FAIL ? "FAIL" : r == R_UNSUPPORTED
                                                                ? "unsupported" : "skipped",
                       suites[s], names[k], r == R_PASS ? "" : ": ", r == R_PASS ? "" : why);
            free(names[k]);
        }
        printf("%-18s passed %4d  failed %4d  unsupported %4d  skipped %d  (%d passes with "
               "inputs bound at import)\n", suites[s], totals[s][R_PASS], totals[s][R_FAIL],
               totals[s][R_UNSUPPORTED], totals[s][R_SKIPPED], with_bound[s]);
        fflush(stdout);
    }
    printf("%-18s passed %4d  failed %4d  unsupported %4d  skipped %d  (%lds)\n", "overall",
           all[R_PASS], all[R_FAIL], all[R_UNSUPPORTED], all[R_SKIPPED],
           (long)(time(NULL) - t0));
    int rc = 0;
    if (expected && !filter) {
        FILE *f = fopen(expected, "r");
        char line[256];
        while (f && fgets(line, sizeof line, f)) {
            char name[64];
            int min;
            if (line[0] == '#' || sscanf(line, "%63s %d", name, &min) != 2) continue;
            for (int s = 0; s < 4; s++)
                if (!strcmp(name, suites[s]) && totals[s][R_PASS] < min) {
                    printf("REGRESSION: %s passes %d tests; %s records %d\n", name,
                           totals[s][R_PASS], expected, min);
                    rc = 1;
                }
        }
        if (f) fclose(f);
    }
    return rc;
}
