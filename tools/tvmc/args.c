/* args.c — command-line option parsing for the subcommands: a table of
 * long options, "--name value" or "--name=value", and the value parsers
 * (integers, shapes) with errors that name the option. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_parse_args(int argc, char **argv, const cli_option *opts, int nopts, cli_arg **args,
                   int *nargs) {
    cli_arg *a = calloc(argc ? (size_t)argc : 1, sizeof *a);
    if (!a) return cli_error("out of memory");
    int n = 0;
    bool only_positional = false;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (only_positional || s[0] != '-' || strcmp(s, "-") == 0) {
            a[n++] = (cli_arg){-1, s};
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_positional = true;
            continue;
        }
        const char *eq = strchr(s, '=');
        size_t len = eq ? (size_t)(eq - s) : strlen(s);
        int found = -1;
        for (int k = 0; k < nopts; k++)
            if (strlen(opts[k].name) == len && strncmp(opts[k].name, s, len) == 0) found = k;
        if (strcmp(s, "-h") == 0)
            for (int k = 0; k < nopts; k++)
                if (strcmp(opts[k].name, "--help") == 0) found = k;
        if (found < 0) {
            free(a);
            return cli_error("unknown option '%.*s' (see --help)", (int)len, s);
        }
        const char *value = NULL;
        if (opts[found].metavar) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                free(a);
                return cli_error("option %s needs a value %s", opts[found].name,
                                 opts[found].metavar);
            }
        } else if (eq) {
            free(a);
            return cli_error("option %s takes no value", opts[found].name);
        }
        a[n++] = (cli_arg){found, value};
    }
    *args = a;
    *nargs = n;
    return 0;
}

void cli_print_options(const cli_option *opts, int nopts) {
    for (int k = 0; k < nopts; k++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", opts[k].name, opts[k].metavar ? " " : "",
                 opts[k].metavar ? opts[k].metavar : "");
        printf("  %-26s %s\n", left, opts[k].help);
    }
}

int cli_parse_int(const char *opt, const char *s, long long lo, long long hi, long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return cli_error("%s: '%s' is not an integer in [%lld, %lld]", opt, s, lo, hi);
    *out = v;
    return 0;
}

int cli_parse_shape(const char *s, char **name, int *ndim, int64_t *shape) {
    const char *eq = strrchr(s, '=');
    if (!eq || eq == s)
        return cli_error("--shape: '%s' is not NAME=DIMS (e.g. input=1x3x224x224)", s);
    *ndim = 0;
    const char *p = eq + 1;
    if (strcmp(p, "scalar") != 0 && *p) {
        for (;;) {
            char *end;
            errno = 0;
            long long v = strtoll(p, &end, 10);
            if (end == p || errno || v < 0 || *p == '-' || *p == '+')
                return cli_error("--shape: '%s' has a dimension that is not a non-negative "
                                 "integer", s);
            if (*ndim >= TVM_MAX_NDIM)
                return cli_error("--shape: '%s' has more than %d dimensions", s, TVM_MAX_NDIM);
            shape[(*ndim)++] = v;
            if (*end == '\0') break;
            if (*end != 'x' && *end != ',')
                return cli_error("--shape: '%s': dimensions are separated by 'x'", s);
            p = end + 1;
        }
    }
    *name = strndup(s, (size_t)(eq - s));
    return *name ? 0 : cli_error("out of memory");
}
