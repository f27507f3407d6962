/* model.c — what run, bench and dump share: the options that choose how a
 * model is compiled and fed, importing and compiling it, and binding the
 * inputs (files matched by name, dynamic dims bound from them or from
 * --shape, random values for the rest) with errors that name the input. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { O_TARGET, O_THREADS, O_OPT, O_NO_CACHE, O_INPUTS, O_SHAPE, O_SEED };

const cli_option cli_model_options[] = {
    [O_TARGET] = {"--target", "TARGET", "llvm (host CPU, default), \"llvm -mcpu=NAME\", or interp"},
    [O_THREADS] = {"--threads", "N", "kernel threads (default: one per core)"},
    [O_OPT] = {"--opt-level", "N", "optimisation level 0-3 (default 3)"},
    [O_NO_CACHE] = {"--no-cache", NULL, "do not reuse a compiled function"},
    [O_INPUTS] = {"--inputs", "FILE", "X.npz (arrays by input name), X.npy (single-input model) "
                                      "or NAME=X.npy; repeatable"},
    [O_SHAPE] = {"--shape", "NAME=DIMS", "shape of a random input with dynamic dims, "
                                         "e.g. data=1x3x224x224; repeatable"},
    [O_SEED] = {"--seed", "N", "seed of the random inputs (default 0)"},
};
const int cli_num_model_options = (int)(sizeof cli_model_options / sizeof cli_model_options[0]);

int cli_model_option(cli_config *cfg, int opt, const char *value) {
    long long v;
    switch (opt) {
    case O_TARGET: cfg->target = value; return 0;
    case O_THREADS:
        if (cli_parse_int("--threads", value, 1, 1024, &v) != 0) return -1;
        cfg->threads = (int)v;
        return 0;
    case O_OPT:
        if (cli_parse_int("--opt-level", value, 0, 3, &v) != 0) return -1;
        cfg->opt_level = v == 0 ? TVM_OPT_O0 : (int)v;
        return 0;
    case O_NO_CACHE: cfg->no_cache = true; return 0;
    case O_INPUTS: {
        const char **f = realloc(cfg->input_files, (size_t)(cfg->ninput_files + 1) * sizeof *f);
        if (!f) return cli_error("out of memory");
        cfg->input_files = f;
        f[cfg->ninput_files++] = value;
        return 0;
    }
    case O_SHAPE: {
        if (cfg->nshapes >= 64) return cli_error("--shape: at most 64 of them");
        int k = cfg->nshapes;
        char **names = realloc(cfg->shape_names, (size_t)(k + 1) * sizeof *names);
        if (!names) return cli_error("out of memory");
        cfg->shape_names = names;
        if (cli_parse_shape(value, &names[k], &cfg->shape_ndim[k], cfg->shape_dims[k]) != 0)
            return -1;
        cfg->nshapes++;
        return 0;
    }
    case O_SEED:
        if (cli_parse_int("--seed", value, 0, INT64_MAX, &v) != 0) return -1;
        cfg->seed = (uint64_t)v;
        return 0;
    }
    return cli_error("internal: unknown model option %d", opt);
}

void cli_config_free(cli_config *cfg) {
    free(cfg->input_files);
    for (int k = 0; k < cfg->nshapes; k++) free(cfg->shape_names[k]);
    free(cfg->shape_names);
}

/* ---- import and compile ----------------------------------------------------- */

int model_load(const cli_config *cfg, cli_model *m) {
    memset(m, 0, sizeof *m);
    tvm_context_options co = {.struct_size = sizeof co, .num_threads = cfg->threads};
    tvm_status st = tvm_context_create(&co, &m->ctx);
    if (st != TVM_OK) return cli_tvm_error(st, "cannot create a context");
    m->g = tvm_graph_create(m->ctx);
    if (!m->g) return cli_tvm_error(TVM_ERR_OUT_OF_MEMORY, "cannot create a graph");

    char what[600];
    const char *base = strrchr(cfg->model_path, '/');
    base = base ? base + 1 : cfg->model_path;
    snprintf(what, sizeof what, "importing %s", base);
    double t0 = cli_now_ms();
    progress_begin(what);
    st = tvm_onnx_import_file(m->g, cfg->model_path, NULL, &m->onnx);
    progress_end();
    m->import_ms = cli_now_ms() - t0;
    if (st != TVM_OK) return cli_tvm_error(st, "cannot import %s", cfg->model_path);

    st = tvm_onnx_model_counts(m->onnx, &m->nin, &m->nout);
    if (st != TVM_OK) return cli_tvm_error(st, "%s", cfg->model_path);
    m->in = calloc((size_t)(m->nin + m->nout) ? (size_t)(m->nin + m->nout) : 1, sizeof *m->in);
    tvm_tensor *ts = calloc((size_t)(m->nin + m->nout) + 1, sizeof *ts);
    if (!m->in || !ts) {
        free(ts);
        return cli_error("out of memory");
    }
    m->out = m->in + m->nin;
    for (int i = 0; i < m->nin + m->nout; i++) {
        tvm_onnx_value *v = &m->in[i];
        v->struct_size = sizeof *v;
        st = i < m->nin ? tvm_onnx_model_input(m->onnx, i, v)
                        : tvm_onnx_model_output(m->onnx, i - m->nin, v);
        if (st != TVM_OK) {
            free(ts);
            return cli_tvm_error(st, "%s", cfg->model_path);
        }
        ts[i] = v->tensor;
        for (int d = 0; d < v->ndim && i < m->nin; d++)
            if (v->shape[d] < 0) m->symbolic = true;
    }

    /* the model compiles once: weights that only feed compile-time folds
     * (packed copies) need not stay in the graph beside them */
    tvm_compile_options opts = {.struct_size = sizeof opts, .target = cfg->target,
                                .opt_level = cfg->opt_level,
                                .flags = TVM_COMPILE_RELEASE_CONSTANTS |
                                         (cfg->no_cache ? TVM_COMPILE_NO_CACHE : 0)};
    snprintf(what, sizeof what, "compiling %s for %s", base, cfg->target ? cfg->target : "llvm");
    t0 = cli_now_ms();
    progress_begin(what);
    st = tvm_compile(m->g, m->nin, ts, m->nout, ts + m->nin, &opts, &m->fn);
    progress_end();
    m->compile_ms = cli_now_ms() - t0;
    free(ts);
    if (st != TVM_OK) return cli_tvm_error(st, "cannot compile %s", cfg->model_path);
    return 0;
}

void model_free(cli_model *m) {
    tvm_function_release(m->fn);
    tvm_onnx_model_free(m->onnx);
    tvm_graph_destroy(m->g);
    tvm_context_destroy(m->ctx);
    free(m->in);
    memset(m, 0, sizeof *m);
}

/* ---- inputs ----------------------------------------------------------------- */

static int model_input_index(const cli_model *m, const char *name) {
    for (int i = 0; i < m->nin; i++)
        if (strcmp(m->in[i].name, name) == 0) return i;
    return -1;
}

static int no_such_input(const cli_model *m, const char *name, const char *from) {
    char list[512] = "";
    size_t n = 0;
    for (int i = 0; i < m->nin && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s'%s'", i ? ", " : "", m->in[i].name);
    return cli_error("%s: '%s' is not an input of the model (its inputs: %s)", from, name,
                     m->nin ? list : "none");
}

/* Loads every --inputs file; each tensor lands in slot[input index]. */
static int load_given(const cli_config *cfg, const cli_model *m, cli_tensor *slot,
                      const char **from) {
    for (int f = 0; f < cfg->ninput_files; f++) {
        const char *arg = cfg->input_files[f];
        size_t len = strlen(arg);
        if (len > 4 && strcmp(arg + len - 4, ".npz") == 0) {
            cli_tensor *ts;
            int n;
            if (npz_read_file(arg, &ts, &n) != 0) return -1;
            for (int k = 0; k < n; k++) {
                int i = model_input_index(m, ts[k].name);
                if (i < 0 || slot[i].data) {
                    int rc = i < 0 ? no_such_input(m, ts[k].name, arg)
                                   : cli_error("%s: input '%s' is given twice (also by %s)",
                                               arg, ts[k].name, from[i]);
                    cli_tensors_free(ts, n);
                    return rc;
                }
                slot[i] = ts[k];
                memset(&ts[k], 0, sizeof ts[k]);
                from[i] = arg;
            }
            cli_tensors_free(ts, n);
            continue;
        }
        const char *eq = strchr(arg, '=');
        const char *path = eq ? eq + 1 : arg;
        int i;
        char *name = NULL;
        if (eq) {
            name = strndup(arg, (size_t)(eq - arg));
            if (!name) return cli_error("out of memory");
            i = model_input_index(m, name);
            if (i < 0) {
                int rc = no_such_input(m, name, "--inputs");
                free(name);
                return rc;
            }
        } else {
            if (m->nin != 1)
                return cli_error("--inputs %s: the model has %d inputs; name it as NAME=%s or "
                                 "use an .npz", arg, m->nin, arg);
            i = 0;
        }
        free(name);
        if (slot[i].data)
            return cli_error("--inputs %s: input '%s' is given twice (also by %s)", arg,
                             m->in[i].name, from[i]);
        if (npy_read_file(path, &slot[i]) != 0) return -1;
        from[i] = path;
    }
    return 0;
}

/* Size variables bound so far: the expression id of a dim and its value. */
typedef struct dim_binding {
    uint32_t var;
    int64_t value;
    int input, dim;
} dim_binding;

static int bind_dim(dim_binding *b, int *nb, const cli_model *m, int i, int d, int64_t value,
                    const char *from) {
    uint32_t var = m->in[i].dims[d].id;
    for (int k = 0; k < *nb; k++)
        if (b[k].var == var && b[k].value != value)
            return cli_error("%s: input '%s' dim %d is %" PRId64 ", but the model ties it to "
                             "input '%s' dim %d, which is %" PRId64, from, m->in[i].name, d,
                             value, m->in[b[k].input].name, b[k].dim, b[k].value);
    b[(*nb)++] = (dim_binding){var, value, i, d};
    return 0;
}

static bool lookup_dim(const dim_binding *b, int nb, uint32_t var, int64_t *value) {
    for (int k = 0; k < nb; k++)
        if (b[k].var == var) {
            *value = b[k].value;
            return true;
        }
    return false;
}

static int check_given(const cli_model *m, int i, const cli_tensor *t, const char *from,
                       dim_binding *b, int *nb) {
    const tvm_onnx_value *v = &m->in[i];
    char want[512], got[512];
    if (t->dtype != v->dtype)
        return cli_error("%s: input '%s' is %s, but the model expects %s", from, v->name,
                         cli_dtype_name(t->dtype), cli_dtype_name(v->dtype));
    bool ok = t->ndim == v->ndim;
    for (int d = 0; ok && d < v->ndim; d++)
        if (v->shape[d] >= 0 && v->shape[d] != t->shape[d]) ok = false;
    if (!ok) {
        size_t n = 0;
        for (int d = 0; d < v->ndim && n < sizeof want; d++)
            n += v->shape[d] >= 0
                     ? (size_t)snprintf(want + n, sizeof want - n, d ? "x%" PRId64 : "%" PRId64,
                                        v->shape[d])
                     : (size_t)snprintf(want + n, sizeof want - n, d ? "x?" : "?");
        if (v->ndim == 0) snprintf(want, sizeof want, "scalar");
        return cli_error("%s: input '%s' has shape %s, but the model expects %s", from, v->name,
                         cli_shape_str(t->ndim, t->shape, got, sizeof got), want);
    }
    for (int d = 0; d < v->ndim; d++)
        if (v->shape[d] < 0 && bind_dim(b, nb, m, i, d, t->shape[d], from) != 0) return -1;
    return 0;
}

int model_inputs(const cli_config *cfg, const cli_model *m, cli_tensor **ins, bool *random) {
    *random = false;
    cli_tensor *slot = calloc(m->nin ? (size_t)m->nin : 1, sizeof *slot);
    const char **from = calloc(m->nin ? (size_t)m->nin : 1, sizeof *from);
    dim_binding *b = calloc((size_t)m->nin * TVM_MAX_NDIM + 1, sizeof *b);
    int nb = 0;
    if (!slot || !from || !b) {
        cli_error("out of memory");
        goto fail;
    }
    if (load_given(cfg, m, slot, from) != 0) goto fail;
    for (int i = 0; i < m->nin; i++)
        if (slot[i].data && check_given(m, i, &slot[i], from[i], b, &nb) != 0) goto fail;
    /* --shape first binds the dims it names, then every missing input is made */
    for (int k = 0; k < cfg->nshapes; k++) {
        int i = model_input_index(m, cfg->shape_names[k]);
        if (i < 0) {
            no_such_input(m, cfg->shape_names[k], "--shape");
            goto fail;
        }
        if (slot[i].data) {
            cli_error("--shape %s: the input is also given by %s", cfg->shape_names[k], from[i]);
            goto fail;
        }
        cli_tensor probe = {.dtype = m->in[i].dtype, .ndim = cfg->shape_ndim[k]};
        memcpy(probe.shape, cfg->shape_dims[k], sizeof probe.shape);
        if (check_given(m, i, &probe, "--shape", b, &nb) != 0) goto fail;
    }
    uint64_t state = cfg->seed;
    for (int i = 0; i < m->nin; i++) {
        if (slot[i].data) continue;
        const tvm_onnx_value *v = &m->in[i];
        cli_tensor *t = &slot[i];
        t->dtype = v->dtype;
        t->ndim = v->ndim;
        for (int d = 0; d < v->ndim; d++) {
            if (v->shape[d] >= 0) {
                t->shape[d] = v->shape[d];
            } else if (!lookup_dim(b, nb, v->dims[d].id, &t->shape[d])) {
                cli_error("input '%s' dim %d is dynamic: give its shape with --shape %s=DIMS or "
                          "its value with --inputs", v->name, d, v->name);
                goto fail;
            }
        }
        if (cli_numel(t->ndim, t->shape) < 0 ||
            (uint64_t)cli_numel(t->ndim, t->shape) > CLI_MAX_ARRAY_BYTES / cli_dtype_size(t->dtype) ||
            cli_tensor_alloc(t) != 0) {
            char sh[512];
            cli_error("input '%s': shape %s is too large", v->name,
                      cli_shape_str(t->ndim, t->shape, sh, sizeof sh));
            goto fail;
        }
        cli_tensor_random(t, &state);
        *random = true;
    }
    for (int i = 0; i < m->nin; i++) {
        free(slot[i].name);
        slot[i].name = strdup(m->in[i].name);
        if (!slot[i].name) {
            cli_error("out of memory");
            goto fail;
        }
    }
    free(from);
    free(b);
    *ins = slot;
    return 0;
fail:
    cli_tensors_free(slot, m->nin);
    free(from);
    free(b);
    return -1;
}

int model_outputs(const cli_model *m, cli_tensor *ins, cli_tensor **outs) {
    DLTensor **dls = calloc(m->nin ? (size_t)m->nin : 1, sizeof *dls);
    cli_tensor *o = calloc(m->nout ? (size_t)m->nout : 1, sizeof *o);
    if (!dls || !o) {
        free(dls);
        free(o);
        return cli_error("out of memory");
    }
    for (int i = 0; i < m->nin; i++) dls[i] = cli_tensor_dl(&ins[i]);
    for (int k = 0; k < m->nout; k++) {
        o[k].dtype = m->out[k].dtype;
        tvm_status st = tvm_function_output_shape(m->fn, dls, k, o[k].shape, &o[k].ndim);
        if (st != TVM_OK) {
            cli_tvm_error(st, "output '%s'", m->out[k].name);
            goto fail;
        }
        o[k].name = strdup(m->out[k].name);
        if (!o[k].name || cli_tensor_alloc(&o[k]) != 0) {
            cli_error("output '%s': out of memory", m->out[k].name);
            goto fail;
        }
    }
    free(dls);
    *outs = o;
    return 0;
fail:
    free(dls);
    cli_tensors_free(o, m->nout);
    return -1;
}

int model_call(const cli_model *m, cli_tensor *ins, cli_tensor *outs) {
    DLTensor *args[2 * 4096];
    int n = m->nin + m->nout;
    if (n > (int)(sizeof args / sizeof args[0])) return cli_error("too many arguments");
    for (int i = 0; i < m->nin; i++) args[i] = cli_tensor_dl(&ins[i]);
    for (int k = 0; k < m->nout; k++) args[m->nin + k] = cli_tensor_dl(&outs[k]);
    tvm_status st = tvm_function_call(m->fn, args, n);
    if (st != TVM_OK) return cli_tvm_error(st, "the call failed");
    return 0;
}

/* ---- a subcommand's command line ----------------------------------------------- */

int cli_parse_command(const char *usage, int argc, char **argv, const cli_option *own, int nown,
                      cli_config *cfg, cli_arg **rest, int *nrest, bool *help) {
    cli_option all[64];
    int nall = 0;
    for (int k = 0; k < nown && nall < 63; k++) all[nall++] = own[k];
    for (int k = 0; k < cli_num_model_options && nall < 63; k++)
        all[nall++] = cli_model_options[k];
    all[nall++] = (cli_option){"--help", NULL, "this text"};
    *help = false;
    *rest = NULL;
    *nrest = 0;
    cli_arg *args;
    int nargs;
    if (cli_parse_args(argc, argv, all, nall, &args, &nargs) != 0) return -2;
    for (int i = 0; i < nargs; i++)
        if (args[i].opt == nall - 1) {
            printf("%s\noptions:\n", usage);
            cli_print_options(all, nall);
            free(args);
            *help = true;
            return 0;
        }
    int n = 0;
    for (int i = 0; i < nargs; i++) {
        int opt = args[i].opt;
        if (opt < 0) {
            if (cfg->model_path) {
                cli_error("unexpected argument '%s' (one MODEL only; see --help)", args[i].value);
                free(args);
                return -2;
            }
            cfg->model_path = args[i].value;
        } else if (opt >= nown) {
            if (cli_model_option(cfg, opt - nown, args[i].value) != 0) {
                free(args);
                return -2;
            }
        } else {
            args[n++] = args[i];
        }
    }
    if (!cfg->model_path) {
        free(args);
        cli_error("no MODEL given (see --help)");
        return -2;
    }
    *rest = args;
    *nrest = n;
    return 0;
}
