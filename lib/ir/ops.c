/* ops.c — names of the scalar operators, from the X-macro in ops.h. */
#include "ops.h"

#include <stddef.h>

const char *ir_op_name(int op) {
    static const char *const names[IR_OP_COUNT] = {
        [IR_OP_NONE] = "?",
#define X(n, t, a) [IR_##n] = t,
        IR_BINARY_OPS(X) IR_UNARY_OPS(X)
#undef X
    };
    if (op <= IR_OP_NONE || op >= IR_OP_COUNT) return "?";
    return names[op];
}
