/* ops.h — the scalar operators, listed once. Shared by the tensor IR and the
 * loop IR; the X-macro drives the enum, the printers and the folders.
 *
 * Semantics every pass and backend may assume (see also include/tvmc.h):
 *   - operands of a binary op have the same dtype; comparisons give bool;
 *   - integer ops wrap; DIV/MOD truncate, FLOORDIV/FLOORMOD floor; a zero
 *     divisor gives 0; INT_MIN / -1 == INT_MIN, INT_MIN % -1 == 0;
 *   - MIN/MAX on floats propagate NaN (either operand NaN -> NaN);
 *   - AND/OR/NOT take bool; both sides are evaluated (no short circuit);
 *   - math functions take floats; ABS takes any number (int ABS wraps);
 *   - ROUND_F16 / ROUND_BF16 (loop IR only) round a float32 to the nearest
 *     float16 / bfloat16 value and return it as float32.
 */
#ifndef TVMC_IR_OPS_H
#define TVMC_IR_OPS_H

/*        name        text        arity */
#define IR_BINARY_OPS(X)            \
    X(ADD,      "+",        2)      \
    X(SUB,      "-",        2)      \
    X(MUL,      "*",        2)      \
    X(DIV,      "/",        2)      \
    X(MOD,      "%",        2)      \
    X(FLOORDIV, "floordiv", 2)      \
    X(FLOORMOD, "floormod", 2)      \
    X(MIN,      "min",      2)      \
    X(MAX,      "max",      2)      \
    X(POW,      "pow",      2)      \
    X(LT,       "<",        2)      \
    X(LE,       "<=",       2)      \
    X(GT,       ">",        2)      \
    X(GE,       ">=",       2)      \
    X(EQ,       "==",       2)      \
    X(NE,       "!=",       2)      \
    X(AND,      "&&",       2)      \
    X(OR,       "||",       2)

#define IR_UNARY_OPS(X)             \
    X(NEG,        "neg",        1)  \
    X(NOT,        "!",          1)  \
    X(EXP,        "exp",        1)  \
    X(LOG,        "log",        1)  \
    X(SQRT,       "sqrt",       1)  \
    X(RSQRT,      "rsqrt",      1)  \
    X(TANH,       "tanh",       1)  \
    X(SIGMOID,    "sigmoid",    1)  \
    X(ERF,        "erf",        1)  \
    X(ABS,        "abs",        1)  \
    X(FLOOR,      "floor",      1)  \
    X(CEIL,       "ceil",       1)  \
    X(ROUND_F16,  "round_f16",  1)  \
    X(ROUND_BF16, "round_bf16", 1)

typedef enum ir_op {
    IR_OP_NONE = 0,
#define X(n, t, a) IR_##n,
    IR_BINARY_OPS(X) IR_UNARY_OPS(X)
#undef X
    IR_OP_COUNT
} ir_op;

static inline int ir_op_is_binary(int op) { return op >= IR_ADD && op <= IR_OR; }
static inline int ir_op_is_unary(int op) { return op >= IR_NEG && op < IR_OP_COUNT; }
static inline int ir_op_is_compare(int op) { return op >= IR_LT && op <= IR_NE; }
const char *ir_op_name(int op);

#endif
