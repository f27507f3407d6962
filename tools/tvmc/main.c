/* main.c — the tvmc command line: picks the subcommand and turns the one
 * recorded error into the one line a user sees ("tvmc: error: ...") and a
 * non-zero exit status (1; 2 for a command line that cannot be parsed).
 *
 *   tvmc run    MODEL   compile, run once (or --repeat N), print the outputs
 *   tvmc bench  MODEL   compile time, latency median / p99, workspace
 *   tvmc dump   MODEL   the text of one compilation stage
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static void usage(FILE *f) {
    fprintf(f,
            "usage: tvmc COMMAND MODEL.onnx [options]\n"
            "\n"
            "Compile and run ONNX models with the tvmc tensor JIT compiler.\n"
            "\n"
            "commands:\n"
            "  run     compile the model, run it on inputs from .npy/.npz files (random\n"
            "          values when none are given), print and save the outputs\n"
            "  bench   compile time, latency median and p99 over many runs, workspace\n"
            "  dump    print a compilation stage: graph, fused, loop, llvm or asm\n"
            "\n"
            "Run 'tvmc COMMAND --help' for the options of a command.\n"
            "  --help      this text\n"
            "  --version   the tvmc library version\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("tvmc %s\n", tvm_version());
        return 0;
    }
    int rc;
    if (strcmp(cmd, "run") == 0)
        rc = cmd_run(argc - 2, argv + 2);
    else if (strcmp(cmd, "bench") == 0)
        rc = cmd_bench(argc - 2, argv + 2);
    else if (strcmp(cmd, "dump") == 0)
        rc = cmd_dump(argc - 2, argv + 2);
    else
        rc = cli_error("unknown command '%s' (commands: run, bench, dump; see tvmc --help)",
                       cmd) < 0 ? -2 : 0;
    fflush(stdout);
    if (rc < 0) {
        const char *e = cli_error_text();
        fprintf(stderr, "tvmc: error: %s\n", *e ? e : "unknown failure");
        return rc == -2 ? 2 : 1;
    }
    return 0;
}
