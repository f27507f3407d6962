/* dump.c — `tvmc dump MODEL --stage S`: the text of one compilation stage
 * (tvm_function_dump). A model with dynamic dims is called once on inputs
 * of the given shapes first, so that "loop", "llvm" and "asm" show the
 * kernel for those shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { D_STAGE, D_OUTPUT };

static const cli_option dump_options[] = {
    [D_STAGE] = {"--stage", "STAGE", "graph (imported tensor graph, default), fused (kernel "
                                     "groups), loop (loop IR), llvm (LLVM IR) or asm"},
    [D_OUTPUT] = {"--output", "FILE", "write the text to FILE instead of stdout"},
};

static const char dump_usage[] =
    "usage: tvmc dump MODEL.onnx --stage graph|fused|loop|llvm|asm [--output FILE]\n"
    "                 [--target TARGET] [--shape NAME=DIMS]...\n"
    "\n"
    "Prints the model as one stage of the compiler sees it. For a model with\n"
    "dynamic dims, --shape (or --inputs) picks the shapes whose kernel is shown.";

int cmd_dump(int argc, char **argv) {
    cli_config cfg = {0};
    cli_arg *args = NULL;
    int nargs = 0;
    bool help;
    cli_model m = {0};
    cli_tensor *ins = NULL, *outs = NULL;
    char *text = NULL;
    int rc = cli_parse_command(dump_usage, argc, argv, dump_options,
                               (int)(sizeof dump_options / sizeof dump_options[0]), &cfg, &args,
                               &nargs, &help);
    if (rc != 0 || help) goto done;
    const char *stage = "graph", *out_path = NULL;
    for (int i = 0; i < nargs; i++) {
        if (args[i].opt == D_STAGE) stage = args[i].value;
        if (args[i].opt == D_OUTPUT) out_path = args[i].value;
    }
    static const char *const stages[] = {"graph", "fused", "loop", "llvm", "asm"};
    bool known = false;
    for (size_t k = 0; k < sizeof stages / sizeof stages[0]; k++)
        known = known || strcmp(stage, stages[k]) == 0;
    if (!known) {
        cli_error("--stage: '%s' is not one of graph, fused, loop, llvm, asm", stage);
        rc = -2;
        goto done;
    }
    rc = -1;
    if (model_load(&cfg, &m) != 0) goto done;
    bool needs_kernel = strcmp(stage, "llvm") == 0 || strcmp(stage, "asm") == 0;
    if (m.symbolic && strcmp(stage, "graph") != 0 && strcmp(stage, "fused") != 0) {
        bool random;
        if (model_inputs(&cfg, &m, &ins, &random) == 0) {
            if (model_outputs(&m, ins, &outs) != 0 || model_call(&m, ins, outs) != 0) goto done;
        } else if (needs_kernel || cfg.ninput_files || cfg.nshapes) {
            goto done; /* a bad file or shape, or which input needs a shape */
        } else {
            cli_error_clear();
            fprintf(stderr, "tvmc: note: dynamic dims unbound, showing the symbolic loop IR "
                            "(give --shape NAME=DIMS for a specialised one)\n");
        }
    }
    size_t need = 0;
    tvm_status st = tvm_function_dump(m.fn, stage, NULL, 0, &need);
    if (st == TVM_OK) {
        text = malloc(need);
        if (!text) {
            cli_error("out of memory");
            goto done;
        }
        st = tvm_function_dump(m.fn, stage, text, need, &need);
    }
    if (st != TVM_OK) {
        cli_tvm_error(st, "cannot dump the %s stage", stage);
        goto done;
    }
    if (out_path) {
        if (cli_write_file(out_path, text, strlen(text)) != 0) goto done;
    } else {
        fputs(text, stdout);
        if (need > 1 && text[need - 2] != '\n') putchar('\n');
    }
    rc = 0;
done:
    free(text);
    cli_tensors_free(ins, m.nin);
    cli_tensors_free(outs, m.nout);
    model_free(&m);
    free(args);
    cli_config_free(&cfg);
    return rc;
}
