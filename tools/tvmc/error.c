/* error.c — the tool's one error line: the first failure records its
 * reason here, later ones (the callers unwinding) keep it, and main prints
 * it once. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

static char error_line[2048];

int cli_error(const char *fmt, ...) {
    if (error_line[0]) return -1; /* the first error is the cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_line, sizeof error_line, fmt, ap);
    va_end(ap);
    /* one line, whatever the message held */
    for (char *p = error_line; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return -1;
}

int cli_tvm_error(tvm_status st, const char *fmt, ...) {
    char head[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    const char *msg = tvm_last_error();
    return cli_error("%s: %s", head, msg && *msg ? msg : tvm_status_string(st));
}

const char *cli_error_text(void) { return error_line; }
void cli_error_clear(void) { error_line[0] = '\0'; }

