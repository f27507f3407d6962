/*
 * tvmc.h — the whole public API of tvmc, an embeddable tensor JIT compiler.
 *
 * A host program builds tensor expressions in a graph, compiles them into a
 * function, and calls the function on DLPack tensors. This header is the
 * contract and the reference documentation.
 *
 * ---------------------------------------------------------------------------
 * Thread rules (stated once, valid for every call below)
 *   - A tvm_context is shared by all threads; every call taking one is safe to
 *     make concurrently.
 *   - A tvm_graph is used by one thread at a time.
 *   - A tvm_function is immutable and callable from any thread at once;
 *     retain/release are atomic.
 *
 * Errors
 *   - Every fallible call returns a tvm_status (TVM_OK == 0). Results come back
 *     through out-parameters, which are left untouched on failure unless said
 *     otherwise.
 *   - tvm_last_error() returns a message for the last failure on the calling
 *     thread, naming the offending argument.
 *   - Builder calls are "sticky": they return a null handle (id == 0) on error
 *     and record the first error on the graph (tvm_graph_status). After an
 *     error every later builder call on that graph returns the null handle and
 *     does nothing; tvm_compile of that graph returns the recorded error.
 *   - Nothing in the library aborts, exits or prints on user input.
 *   - Every _destroy / _release accepts NULL.
 *
 * Semantics of expressions
 *   - Binary operators require both operands to have the same dtype
 *     (TVM_ERR_DTYPE otherwise); use tvm_cast to convert.
 *   - Integer arithmetic wraps (two's complement). tvm_div / tvm_mod on
 *     integers truncate toward zero like C; tvm_floordiv / tvm_floormod round
 *     toward negative infinity like Python. Integer division or modulo by zero
 *     yields 0, and INT_MIN / -1 wraps to INT_MIN (modulo gives 0): a kernel
 *     never raises SIGFPE in the host.
 *   - Floating point follows IEEE 754 with round-to-nearest-even and no
 *     contraction: a * b + c written as an expression rounds twice. The one
 *     exception is a contraction: a float sum whose body is a product,
 *     sum_k(x * y) (matmul, dense, convolution, dot products, any
 *     tvm_sum(g, tvm_mul(...), ...)), accumulates each term with a fused
 *     multiply-add, acc = fma(x, y, acc), rounded once per step (C's fmaf /
 *     fma), on every target and under every schedule. Only the outermost
 *     product fuses (sum(x * y * z) rounds x * y first); float16 and
 *     bfloat16 operands are widened, fused in float32 and rounded once when
 *     stored; integer sums multiply and add as written.
 *     tvm_min / tvm_max propagate NaN like numpy.minimum/maximum.
 *     tvm_mod on floats is C fmod; tvm_floormod is a - floor(a / b) * b.
 *   - Casts: float -> int saturates to the target range, NaN -> 0. int -> int
 *     wraps. anything -> bool is (x != 0); bool -> number is 0 or 1.
 *   - float16 and bfloat16 are storage types: values are loaded into float32,
 *     computed in float32 and rounded (to nearest even) when stored or when
 *     tvm_cast converts to them.
 *   - The order in which a reduction combines its elements is unspecified (it
 *     may be reassociated and vectorised), but a given compiled function always
 *     gives the same bits for the same inputs. An empty reduction yields the
 *     identity: 0 (sum), 1 (prod), +inf / the maximum integer (min),
 *     -inf / the minimum integer (max).
 *   - No kernel reads or writes outside its tensors. The region each input is
 *     read over is inferred at compile time; accesses whose region is known
 *     exactly are checked against the actual shapes before the kernel runs,
 *     other accesses (data-dependent indices) are checked where they happen.
 *     A violation returns TVM_ERR_OUT_OF_BOUNDS naming tensor and dimension.
 *   - exp, log, tanh, erf and sigmoid are accurate to a few units in the last
 *     place, with libm's special values (NaN, infinities, zeros); the llvm
 *     target computes them several elements at a time (glibc's libmvec), so
 *     their last bits may differ from a scalar libm call and between
 *     functions compiled differently — never between two calls of one
 *     compiled function. float32 exp (and the exp inside sigmoid) is the
 *     exception: the llvm and interp targets compute it with tvmc's own
 *     algorithm, within 1.1 ulp, giving the same bits on both. pow(a, b) computed that way has a relative error of
 *     a few ulp times (1 + |b ln a|): large results of large exponents (8^20)
 *     may be tens of ulp from libm's correctly rounded powf.
 *   - TVM_COMPILE_FAST_MATH relaxes the floating-point rules (no NaN/Inf
 *     guarantees, reassociation and contraction allowed).
 * ---------------------------------------------------------------------------
 */
#ifndef TVMC_H
#define TVMC_H

#include <stddef.h>
#include <stdint.h>
#include <dlpack/dlpack.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TVMC_BUILDING)
#define TVMC_API __attribute__((visibility("default")))
#else
#define TVMC_API
#endif

/* ===================================================================== */
/* Version                                                                */
/* ===================================================================== */

#define TVMC_VERSION_MAJOR 0
#define TVMC_VERSION_MINOR 1
#define TVMC_VERSION_PATCH 0

/* The runtime's version as "MAJOR.MINOR.PATCH". Static string; never fails. */
TVMC_API const char *tvm_version(void);

/* ===================================================================== */
/* Status codes and errors                                                */
/* ===================================================================== */

typedef enum tvm_status {
    TVM_OK = 0,
    TVM_ERR_INVALID_ARGUMENT = 1, /* NULL pointer, bad count, bad enum, ... */
    TVM_ERR_DTYPE = 2,            /* dtype mismatch or dtype not allowed */
    TVM_ERR_SHAPE = 3,            /* wrong rank, mismatched or negative dims */
    TVM_ERR_OUT_OF_BOUNDS = 4,    /* a read would fall outside a tensor */
    TVM_ERR_UNSUPPORTED = 5,      /* valid request this build cannot do */
    TVM_ERR_OUT_OF_MEMORY = 6,
    TVM_ERR_COMPILE = 7,          /* the backend failed to generate code */
    TVM_ERR_DEVICE = 8,           /* device memory / wrong device */
    TVM_ERR_PARSE = 9,
    TVM_ERR_IO = 10,
    TVM_ERR_INTERNAL = 11,        /* a bug in tvmc: please report it */
    TVM_ERR_LIMIT = 12,           /* a resource limit was exceeded */
    TVM_ERR_VERSION = 13,         /* options struct newer than this library */
    TVM_ERR_INVALID_HANDLE = 14   /* handle from another graph, stale or forged */
} tvm_status;

/* A constant English name for a status ("TVM_ERR_DTYPE"); "unknown status"
 * for values outside the enum. Never NULL. */
TVMC_API const char *tvm_status_string(tvm_status s);

/* Message of the last failure on the calling thread (thread-local storage,
 * valid until the next failing call on this thread). "" if none. Never NULL. */
TVMC_API const char *tvm_last_error(void);

/* Frees memory the library returned to the caller (tvm_function_source,
 * tvm_graph_print). Accepts NULL. */
TVMC_API void tvm_free(void *p);

/* ===================================================================== */
/* Data types                                                             */
/* ===================================================================== */

typedef enum tvm_dtype {
    TVM_FLOAT32 = 1,
    TVM_FLOAT64 = 2,
    TVM_FLOAT16 = 3,  /* storage type: computed in float32 */
    TVM_BFLOAT16 = 4, /* storage type: computed in float32 */
    TVM_INT8 = 5,
    TVM_INT16 = 6,
    TVM_INT32 = 7,
    TVM_INT64 = 8,
    TVM_UINT8 = 9,
    TVM_BOOL = 10     /* one byte, 0 or 1; DLPack {kDLUInt,8} or {kDLBool,8} */
} tvm_dtype;

/* Maximum rank of any tensor. */
#define TVM_MAX_NDIM 32

/* ===================================================================== */
/* Context                                                                */
/* ===================================================================== */

typedef struct tvm_context tvm_context;

/* Host-provided parallel-for (like Halide's halide_do_par_for override or
 * ONNX Runtime's custom thread pool): lets a host that already owns threads
 * run tvmc's parallel loops on them instead of tvmc's own workers.
 *
 * tvmc calls parallel_for(user, n, fn, task, max_chunks) from the thread
 * that called tvm_function_call (never from a thread of its own), with
 * n >= 2 and max_chunks == n. The host must call fn(task, begin, end) for
 * ranges that together cover [0, n) exactly once each, from any threads, in
 * any order and concurrently, and return only after every call of fn has
 * returned. Splitting [0, n) into fewer, larger ranges is allowed (e.g. all
 * of it in one call on the calling thread). fn never fails and never blocks
 * on another range; it may call back into tvmc (tvm_function_call on any
 * function), and parallel loops reached from there run serially. Return 0
 * on success; a nonzero return means the host could not run the ranges:
 * the call that needed them fails with TVM_ERR_INTERNAL naming the host
 * parallel-for (output not guaranteed). The callback may be called
 * concurrently from several host threads (one per concurrent kernel call).
 * Results are bitwise identical however the host splits the work. */
typedef void (*tvm_parallel_task)(void *task, int64_t begin, int64_t end);
typedef int (*tvm_parallel_for_fn)(void *user, int64_t n, tvm_parallel_task fn, void *task,
                                   int max_chunks);

typedef struct tvm_context_options {
    size_t struct_size;          /* sizeof(tvm_context_options) */
    int32_t num_threads;         /* 0 = TVMC_NUM_THREADS from the environment if set,
                                    else one per physical core (hwloc). With
                                    parallel_for set: the most chunks a loop is
                                    split into. 1 = kernels run serially. */
    int32_t function_cache_capacity; /* compiled graphs kept; 0 = 256 */
    int32_t shape_cache_capacity;    /* specialisations per function; 0 = 64 */
    uint32_t flags;              /* reserved, must be 0 */
    /* --- appended in 0.1: older callers (smaller struct_size) get NULLs --- */
    tvm_parallel_for_fn parallel_for; /* NULL = tvmc's own thread pool */
    void *parallel_user;         /* passed back as parallel_for's `user` */
} tvm_context_options;

/* Creates a context. opts may be NULL (defaults); a zeroed struct with
 * struct_size set also means defaults. Returns TVM_ERR_INVALID_ARGUMENT for
 * a NULL out, negative counts or parallel_user set without parallel_for,
 * TVM_ERR_VERSION for a struct_size larger than this library knows. No
 * thread starts here: the pool's workers start on the first kernel that
 * runs in parallel (bound to physical cores with hwloc, all signals
 * blocked, idle workers sleep after a 50 us spin). A kernel called while
 * the pool runs another caller's loop, or from inside a parallel loop (a
 * tvm_call_extern function calling tvm_function_call), runs serially on its
 * calling thread: the context never oversubscribes the cores. After fork()
 * the child's contexts start a fresh pool on first use. */
TVMC_API tvm_status tvm_context_create(const tvm_context_options *opts,
                                       tvm_context **out);

/* Destroys a context. Functions compiled in it stay valid until released
 * (they hold a reference to the context's code). Accepts NULL. */
TVMC_API void tvm_context_destroy(tvm_context *ctx);

/* Number of threads the context's parallel loops use (its pool size,
 * counting the calling thread; with a host parallel_for, the most chunks a
 * loop is split into). The pool itself starts lazily on the first kernel
 * that runs in parallel and is joined by tvm_context_destroy. 0 if ctx is
 * NULL. */
TVMC_API int tvm_context_num_threads(const tvm_context *ctx);

typedef struct tvm_cache_stats {
    size_t struct_size;
    uint64_t functions_compiled;    /* tvm_compile calls that built a function */
    uint64_t function_cache_hits;   /* tvm_compile calls answered from cache */
    uint64_t kernels_compiled;      /* shape specialisations compiled */
    uint64_t kernel_cache_hits;     /* calls that found their specialisation */
    uint64_t kernel_cache_evictions;
} tvm_cache_stats;

/* Fills the context's cache counters. stats->struct_size must be set. */
TVMC_API tvm_status tvm_context_stats(const tvm_context *ctx,
                                      tvm_cache_stats *stats);

/* ===================================================================== */
/* Graph builder                                                          */
/* ===================================================================== */

typedef struct tvm_graph tvm_graph;

/* Value handles. id == 0 is the null handle. A handle is only valid in the
 * graph that made it. Passing it to another graph of the same context is
 * TVM_ERR_INVALID_HANDLE while both graphs are alive (up to 2047 live graphs
 * per context), and a handle of a destroyed graph is caught until 2046 more
 * graphs have been created; across contexts a foreign handle is caught with
 * probability 2046/2047. A graph holds at most 2^20 - 1 expressions and as
 * many tensors (TVM_ERR_LIMIT beyond). */
typedef struct tvm_expr { uint32_t id; } tvm_expr;
typedef struct tvm_tensor { uint32_t id; } tvm_tensor;

/* Creates an empty graph in ctx; NULL if ctx is NULL or memory is exhausted
 * (see tvm_last_error). The graph borrows ctx: destroy graphs first. */
TVMC_API tvm_graph *tvm_graph_create(tvm_context *ctx);
TVMC_API void tvm_graph_destroy(tvm_graph *g);

/* The first error a builder call hit on g (TVM_OK if none), with its message
 * copied to tvm_last_error(). TVM_ERR_INVALID_ARGUMENT for g == NULL. */
TVMC_API tvm_status tvm_graph_status(tvm_graph *g);

/* Text of the graph reachable from the given tensors (all tensors if n == 0),
 * in the tensor-IR printer's format. Free with tvm_free. */
TVMC_API tvm_status tvm_graph_print(tvm_graph *g, int n, const tvm_tensor *tensors,
                                    char **text);

/* --- leaves ------------------------------------------------------------ */

/* Integer constant of an integer or bool dtype (bool: value != 0). The value
 * must fit the dtype (TVM_ERR_INVALID_ARGUMENT otherwise). Float dtypes are
 * accepted and convert exactly like tvm_const_float. */
TVMC_API tvm_expr tvm_const_int(tvm_graph *g, tvm_dtype dtype, int64_t value);
/* Float constant, rounded to dtype (float16/bfloat16 round to nearest even).
 * Integer dtypes are accepted when value is integral and in range. */
TVMC_API tvm_expr tvm_const_float(tvm_graph *g, tvm_dtype dtype, double value);
/* A symbolic dimension (int64, >= 0), bound from the shapes of the tensors a
 * function is called with. Every call makes a distinct variable. */
TVMC_API tvm_expr tvm_size_var(tvm_graph *g, const char *name);
/* An iteration variable (int64) for tvm_compute. Every call makes a distinct
 * variable; one variable may serve as an axis of several computes. */
TVMC_API tvm_expr tvm_iter_var(tvm_graph *g, const char *name);
/* A reduction axis ranging over [0, extent). extent is an int64 expression of
 * constants and size variables. */
TVMC_API tvm_expr tvm_reduce_axis(tvm_graph *g, const char *name, tvm_expr extent);

/* Element of tensor at indices (tensor's ndim of them; integer dtypes). */
TVMC_API tvm_expr tvm_load(tvm_graph *g, tvm_tensor tensor, const tvm_expr *indices);

/* --- arithmetic (same dtype on both sides; bool not allowed) ------------ */
TVMC_API tvm_expr tvm_add(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_sub(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_mul(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_div(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_mod(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_floordiv(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_floormod(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_min(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_max(tvm_graph *g, tvm_expr a, tvm_expr b);
/* a ** b, float dtypes only (C pow semantics). */
TVMC_API tvm_expr tvm_pow(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_neg(tvm_graph *g, tvm_expr a);

/* --- comparisons (same dtype on both sides; result bool) --------------- */
TVMC_API tvm_expr tvm_lt(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_le(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_gt(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_ge(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_eq(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_ne(tvm_graph *g, tvm_expr a, tvm_expr b);

/* --- logic (bool operands; both sides are always evaluated) ------------- */
TVMC_API tvm_expr tvm_and(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_or(tvm_graph *g, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_not(tvm_graph *g, tvm_expr a);

/* cond ? a : b. cond is bool; a and b have the same dtype. Only the chosen
 * side is evaluated, so a guarded read such as
 * select(i > 0, A[i - 1], 0) never reads A[-1]. */
TVMC_API tvm_expr tvm_select(tvm_graph *g, tvm_expr cond, tvm_expr a, tvm_expr b);
TVMC_API tvm_expr tvm_cast(tvm_graph *g, tvm_dtype dtype, tvm_expr e);

/* --- math (float dtypes; abs also integers) ---------------------------- */
TVMC_API tvm_expr tvm_exp(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_log(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_sqrt(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_rsqrt(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_tanh(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_sigmoid(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_erf(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_abs(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_floor(tvm_graph *g, tvm_expr a);
TVMC_API tvm_expr tvm_ceil(tvm_graph *g, tvm_expr a);

/* --- reductions -------------------------------------------------------- */
typedef enum tvm_reduce_kind {
    TVM_REDUCE_SUM = 0,
    TVM_REDUCE_PROD = 1,
    TVM_REDUCE_MIN = 2,
    TVM_REDUCE_MAX = 3
} tvm_reduce_kind;

/* Combines body over every point of the given reduction axes (each made by
 * tvm_reduce_axis, distinct, 1 <= naxes <= TVM_MAX_NDIM). body is a number
 * (not bool). A reduction may appear anywhere in a compute body. */
TVMC_API tvm_expr tvm_reduce(tvm_graph *g, tvm_reduce_kind kind, tvm_expr body,
                             int naxes, const tvm_expr *axes);
TVMC_API tvm_expr tvm_sum(tvm_graph *g, tvm_expr body, int naxes, const tvm_expr *axes);

/* --- tensors ----------------------------------------------------------- */

/* An input tensor. shape holds ndim int64 expressions of constants and size
 * variables (0 <= ndim <= TVM_MAX_NDIM; constant dims must be >= 0). */
TVMC_API tvm_tensor tvm_placeholder(tvm_graph *g, const char *name, tvm_dtype dtype,
                                    int ndim, const tvm_expr *shape);
/* A computed tensor: element (iters...) = body, for iters ranging over shape.
 * iters are ndim distinct tvm_iter_var handles; body may use them, reduction
 * axes of enclosing reductions, size variables and loads. The dtype is the
 * body's. */
TVMC_API tvm_tensor tvm_compute(tvm_graph *g, const char *name, int ndim,
                                const tvm_expr *shape, const tvm_expr *iters,
                                tvm_expr body);
/* A constant tensor (weights). data holds the product of shape elements of
 * dtype, row-major, and is copied. */
TVMC_API tvm_tensor tvm_constant(tvm_graph *g, const char *name, tvm_dtype dtype,
                                 int ndim, const int64_t *shape, const void *data);

/* Number of dimensions and dtype of a tensor handle; TVM_ERR_INVALID_HANDLE
 * for a bad handle. Either out pointer may be NULL. */
TVMC_API tvm_status tvm_tensor_info(tvm_graph *g, tvm_tensor t, int *ndim,
                                    tvm_dtype *dtype);
/* The dtype of an expression handle. */
TVMC_API tvm_status tvm_expr_dtype(tvm_graph *g, tvm_expr e, tvm_dtype *dtype);

/* ===================================================================== */
/* User functions inside expressions                                      */
/* ===================================================================== */

/* A call of a host C function on scalars, as Halide's define_extern / TVM's
 * extern calls. fn points to a function whose C signature is
 *     ret_dtype fn(arg_dtypes[0], arg_dtypes[1], ...)
 * with C types float (TVM_FLOAT32), double, int8_t .. int64_t, uint8_t and
 * bool (TVM_BOOL); float16/bfloat16 are not allowed. args[k] must have dtype
 * arg_dtypes[k] (TVM_ERR_DTYPE otherwise); 0 <= nargs <= 8. The function must
 * be pure and thread-safe: it may be called any number of times, in any order,
 * from any thread (or not at all for elements nobody reads), and it must stay
 * valid while a function compiled from the graph is alive. name is used in
 * printed IR and, with fn, identifies the call in the function cache. The llvm
 * backend calls fn directly; the interp backend calls it through libffi. */
TVMC_API tvm_expr tvm_call_extern(tvm_graph *g, const char *name, void *fn,
                                  tvm_dtype ret_dtype, int nargs,
                                  const tvm_dtype *arg_dtypes, const tvm_expr *args);

/* ===================================================================== */
/* Operator library                                                       */
/* ===================================================================== */
/*
 * Neural-network operators built from the same tensor expressions as
 * hand-written computes (so fusion sees through them), with ONNX / numpy
 * semantics. Conventions for every tvm_op_* call:
 *   - Builder-style errors: the null tensor on error, recorded on the graph
 *     (sticky, see tvm_graph_status). TVM_ERR_SHAPE for incompatible shapes,
 *     TVM_ERR_DTYPE for dtypes, TVM_ERR_INVALID_ARGUMENT for bad attributes
 *     (negative stride, axis out of range, groups not dividing channels, ...).
 *   - Shapes may hold size variables. Broadcasting follows numpy: dims are
 *     aligned from the right and must be equal or 1. Two symbolic dims must be
 *     the same expression (the same size variable): a broadcast that cannot be
 *     proven at build time is TVM_ERR_SHAPE.
 *   - Axes are ints in [-ndim, ndim); negative axes count from the end.
 *   - Operands of a binary op have the same dtype (cast first).
 *   - An optional tensor argument (bias, gamma, ...) is absent when its id is 0.
 *   - Results are computes named after the op.
 */

typedef enum tvm_op_binary_kind {
    TVM_OP_ADD = 0, TVM_OP_SUB, TVM_OP_MUL, TVM_OP_DIV, /* DIV on ints truncates */
    TVM_OP_POW,        /* floats only */
    TVM_OP_MINIMUM, TVM_OP_MAXIMUM, /* NaN-propagating */
    TVM_OP_MOD,        /* C fmod / truncated remainder (ONNX Mod fmod=1) */
    TVM_OP_FLOORMOD,   /* Python-style remainder (ONNX Mod fmod=0) */
    TVM_OP_FLOORDIV,
    TVM_OP_LESS, TVM_OP_LESS_EQUAL, TVM_OP_GREATER, TVM_OP_GREATER_EQUAL,
    TVM_OP_EQUAL, TVM_OP_NOT_EQUAL, /* result bool */
    TVM_OP_AND, TVM_OP_OR, TVM_OP_XOR /* bool operands */
} tvm_op_binary_kind;

/* Elementwise a OP b with numpy broadcasting. */
TVMC_API tvm_tensor tvm_op_binary(tvm_graph *g, tvm_op_binary_kind op, tvm_tensor a,
                                  tvm_tensor b);
/* cond ? a : b elementwise, cond bool, all three broadcast together. */
TVMC_API tvm_tensor tvm_op_where(tvm_graph *g, tvm_tensor cond, tvm_tensor a, tvm_tensor b);

typedef enum tvm_op_unary_kind {
    TVM_OP_RELU = 0,
    TVM_OP_SIGMOID, TVM_OP_TANH,
    TVM_OP_SILU,        /* x * sigmoid(x) */
    TVM_OP_GELU,        /* x/2 * (1 + erf(x/sqrt 2)) */
    TVM_OP_GELU_TANH,   /* x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) */
    TVM_OP_HARD_SWISH,  /* x * max(0, min(1, x/6 + 1/2)) */
    TVM_OP_EXP, TVM_OP_LOG, TVM_OP_SQRT, TVM_OP_RSQRT, TVM_OP_RECIPROCAL,
    TVM_OP_ABS, TVM_OP_NEG, TVM_OP_FLOOR, TVM_OP_CEIL, TVM_OP_ERF,
    TVM_OP_SIGN,        /* -1, 0, 1 (NaN stays NaN) */
    TVM_OP_NOT,         /* bool */
    TVM_OP_IDENTITY
} tvm_op_unary_kind;

/* Elementwise unary op. Float-only kinds on integer tensors are TVM_ERR_DTYPE;
 * RELU, ABS, NEG, SIGN, IDENTITY also take signed integers. */
TVMC_API tvm_tensor tvm_op_unary(tvm_graph *g, tvm_op_unary_kind op, tvm_tensor x);
/* x >= 0 ? x : alpha * x */
TVMC_API tvm_tensor tvm_op_leaky_relu(tvm_graph *g, tvm_tensor x, double alpha);
/* x >= 0 ? x : alpha * (exp(x) - 1) */
TVMC_API tvm_tensor tvm_op_elu(tvm_graph *g, tvm_tensor x, double alpha);
/* max(0, min(1, alpha * x + beta)) (ONNX defaults: 0.2, 0.5) */
TVMC_API tvm_tensor tvm_op_hard_sigmoid(tvm_graph *g, tvm_tensor x, double alpha,
                                        double beta);
/* min(max(x, lo), hi); NaN bounds mean "no bound"; lo > hi gives hi. */
TVMC_API tvm_tensor tvm_op_clip(tvm_graph *g, tvm_tensor x, double lo, double hi);
/* Elementwise conversion with tvm_cast semantics. */
TVMC_API tvm_tensor tvm_op_cast(tvm_graph *g, tvm_tensor x, tvm_dtype dtype);

typedef enum tvm_op_reduce_kind {
    TVM_OP_SUM = 0, TVM_OP_MEAN, TVM_OP_MAX, TVM_OP_MIN, TVM_OP_PROD,
    TVM_OP_ARGMAX, TVM_OP_ARGMIN /* int64 result, first index on ties, NaN wins */
} tvm_op_reduce_kind;

/* Reduces x over the given axes (naxes == 0: all axes), keeping them as
 * size-1 dims when keepdims != 0. ARGMAX/ARGMIN take exactly one axis. MEAN
 * is float only; an empty MEAN is NaN. Duplicate axes are an error. */
TVMC_API tvm_tensor tvm_op_reduce(tvm_graph *g, tvm_op_reduce_kind op, tvm_tensor x,
                                  int naxes, const int *axes, int keepdims);

/* numpy.matmul: 1-D operands are promoted (and the added dim removed),
 * leading dims broadcast. transpose_a / transpose_b swap the last two dims
 * of a 2-D+ operand first. */
TVMC_API tvm_tensor tvm_op_matmul(tvm_graph *g, tvm_tensor a, tvm_tensor b,
                                  int transpose_a, int transpose_b);
/* x [..., K] times w [N, K] transposed, plus bias [N] when present. */
TVMC_API tvm_tensor tvm_op_dense(tvm_graph *g, tvm_tensor x, tvm_tensor w, tvm_tensor bias);

typedef enum tvm_layout {
    TVM_LAYOUT_NCHW = 0, /* data NCHW (NCW for 1-D), weights OIHW (OIW) */
    TVM_LAYOUT_NHWC = 1  /* data NHWC (NWC), weights HWIO (WIO) */
} tvm_layout;

/* Attributes of convolutions and pools. A zeroed struct (with struct_size)
 * means stride 1, dilation 1, no padding, one group, NCHW. For 2-D ops index
 * 0 is height and 1 width; pads are {top, left, bottom, right}. For 1-D ops
 * only index 0 of strides/dilations/kernel is used and pads are {begin, end}
 * in pads[0], pads[1]. */
typedef struct tvm_conv_attrs {
    size_t struct_size;
    int32_t layout;            /* tvm_layout */
    int32_t groups;            /* 0 = 1; depthwise: groups == channels */
    int64_t strides[2];        /* 0 = 1 */
    int64_t dilations[2];      /* 0 = 1 */
    int64_t pads[4];
    int64_t output_padding[2]; /* conv_transpose2d only */
    int32_t algorithm;         /* tvm_conv_algorithm; conv2d only */
} tvm_conv_attrs;

/* How tvm_op_conv2d computes a 3x3, stride-1, undilated, ungrouped NCHW
 * float32 convolution whose weights are constant (tvm_constant, or computed
 * from constants only); every other convolution is summed directly, as with
 * TVM_CONV_ALGO_DIRECT, whatever this field says.
 *   AUTO (0): Winograd F(4x4, 3x3) where it is faster than direct summation
 *     (both channel counts >= 64 and at least 16 output tiles of 4x4, e.g.
 *     ResNet's 56x56, 28x28 and 14x14 layers), direct otherwise.
 *   DIRECT: direct summation (each output sums its 9*C products).
 *   WINOGRAD: Winograd wherever the layer qualifies (F(2x2, 3x3) for an
 *     output narrower than 4 in either dim).
 * Winograd transforms the weights once at compile time (kept as a constant
 * 4x the weights' size for F(4x4)) and forms each output from transformed
 * sums: results differ from direct summation by rounding. Measured with
 * uniform data, the error relative to max|x| * sum|w| (over the output
 * channel's C*9 weights) is below 1e-6 for F(4x4) with C up to 512, about
 * 10x direct summation's; F(2x2)'s is about direct summation's. Use DIRECT
 * where results must match other direct implementations bit for bit.
 * A struct_size from before this field reads it as AUTO. */
typedef enum tvm_conv_algorithm {
    TVM_CONV_ALGO_AUTO = 0,
    TVM_CONV_ALGO_DIRECT = 1,
    TVM_CONV_ALGO_WINOGRAD = 2
} tvm_conv_algorithm;

/* 2-D convolution (cross-correlation as in ONNX/PyTorch). Weights have C/groups
 * input channels; O must be divisible by groups. bias [O] optional. */
TVMC_API tvm_tensor tvm_op_conv2d(tvm_graph *g, tvm_tensor x, tvm_tensor w, tvm_tensor bias,
                                  const tvm_conv_attrs *attrs);
/* 1-D convolution, data NCW (or NWC), weights OIW (or WIO). */
TVMC_API tvm_tensor tvm_op_conv1d(tvm_graph *g, tvm_tensor x, tvm_tensor w, tvm_tensor bias,
                                  const tvm_conv_attrs *attrs);
/* Transposed 2-D convolution as ONNX ConvTranspose, NCHW only: weights
 * [C, O/groups, KH, KW]; output size (in-1)*stride - pad_begin - pad_end +
 * dilation*(k-1) + output_padding + 1. */
TVMC_API tvm_tensor tvm_op_conv_transpose2d(tvm_graph *g, tvm_tensor x, tvm_tensor w,
                                            tvm_tensor bias, const tvm_conv_attrs *attrs);

typedef struct tvm_pool_attrs {
    size_t struct_size;
    int32_t layout;            /* tvm_layout */
    int32_t ceil_mode;         /* output size rounds up (windows starting in padding dropped) */
    int32_t count_include_pad; /* average pool: divide by the full window */
    int32_t pad_;              /* reserved, 0 */
    int64_t kernel[2];         /* required, >= 1 */
    int64_t strides[2];        /* 0 = 1 */
    int64_t dilations[2];      /* 0 = 1 */
    int64_t pads[4];           /* {top, left, bottom, right} */
} tvm_pool_attrs;

TVMC_API tvm_tensor tvm_op_max_pool2d(tvm_graph *g, tvm_tensor x, const tvm_pool_attrs *attrs);
TVMC_API tvm_tensor tvm_op_avg_pool2d(tvm_graph *g, tvm_tensor x, const tvm_pool_attrs *attrs);
/* Global pooling over H and W (result N,C,1,1 or N,1,1,C); op is TVM_OP_MAX
 * or TVM_OP_MEAN. */
TVMC_API tvm_tensor tvm_op_global_pool2d(tvm_graph *g, tvm_tensor x, tvm_op_reduce_kind op,
                                         tvm_layout layout);

/* softmax / log_softmax along one axis (numerically stable). */
TVMC_API tvm_tensor tvm_op_softmax(tvm_graph *g, tvm_tensor x, int axis);
TVMC_API tvm_tensor tvm_op_log_softmax(tvm_graph *g, tvm_tensor x, int axis);
/* Normalises over axes [axis, ndim) as ONNX LayerNormalization; gamma and beta
 * (optional) have the normalised shape (or broadcast to it). */
TVMC_API tvm_tensor tvm_op_layer_norm(tvm_graph *g, tvm_tensor x, tvm_tensor gamma,
                                      tvm_tensor beta, int axis, double epsilon);
/* Inference batch norm over channel axis 1 (x is N, C, ...): scale, bias, mean
 * and var are [C]. */
TVMC_API tvm_tensor tvm_op_batch_norm(tvm_graph *g, tvm_tensor x, tvm_tensor scale,
                                      tvm_tensor bias, tvm_tensor mean, tvm_tensor var,
                                      double epsilon);
/* Group norm (x is N, C, ...; groups divides C); scale and bias [C] optional. */
TVMC_API tvm_tensor tvm_op_group_norm(tvm_graph *g, tvm_tensor x, tvm_tensor scale,
                                      tvm_tensor bias, int groups, double epsilon);

/* --- shape operators -------------------------------------------------- */

/* ONNX Reshape: one entry may be -1 (inferred), 0 copies the input dim. */
TVMC_API tvm_tensor tvm_op_reshape(tvm_graph *g, tvm_tensor x, int ndim,
                                   const int64_t *shape);
/* Permutes dims: result dim k is x's dim perm[k]; perm NULL reverses. */
TVMC_API tvm_tensor tvm_op_transpose(tvm_graph *g, tvm_tensor x, const int *perm);
/* Joins n >= 1 tensors of one dtype along axis; other dims must match. */
TVMC_API tvm_tensor tvm_op_concat(tvm_graph *g, int n, const tvm_tensor *xs, int axis);
/* Splits x along axis into n parts, of the given sizes (summing to the dim)
 * or equal (sizes NULL; the dim must divide by n). Writes n tensors to outs
 * (only on success). Needs a constant dim on axis. Returns TVM_OK or the
 * (sticky) error. */
TVMC_API tvm_status tvm_op_split(tvm_graph *g, tvm_tensor x, int axis, int n,
                                 const int64_t *sizes, tvm_tensor *outs);
/* ONNX Slice: for each listed axis, elements starts..ends by steps (steps
 * NULL = 1; step != 0; negative starts/ends count from the end and are
 * clamped as ONNX does). Needs constant dims on the sliced axes. */
TVMC_API tvm_tensor tvm_op_slice(tvm_graph *g, tvm_tensor x, int naxes, const int *axes,
                                 const int64_t *starts, const int64_t *ends,
                                 const int64_t *steps);

typedef enum tvm_pad_mode { TVM_PAD_CONSTANT = 0, TVM_PAD_EDGE, TVM_PAD_REFLECT } tvm_pad_mode;
/* ONNX Pad: pads holds ndim begin counts then ndim end counts (>= 0 ...,
 * negative values crop). REFLECT needs pads smaller than the dim, EDGE a
 * non-empty dim; a symbolic dim too small for them fails the call with
 * TVM_ERR_OUT_OF_BOUNDS. When one side crops and the other pads, the pad
 * reflects / repeats the uncropped dim. value must be representable in
 * x's dtype (integers exactly). */
TVMC_API tvm_tensor tvm_op_pad(tvm_graph *g, tvm_tensor x, const int64_t *pads,
                               tvm_pad_mode mode, double value);
/* ONNX Gather: out = x indexed along axis by indices (int32/int64, negative
 * values count from the end). Out-of-range indices fail the call with
 * TVM_ERR_OUT_OF_BOUNDS. Result shape x[:axis] + indices + x[axis+1:]. */
TVMC_API tvm_tensor tvm_op_gather(tvm_graph *g, tvm_tensor x, tvm_tensor indices, int axis);
/* ONNX Expand (numpy broadcast of x and shape). */
TVMC_API tvm_tensor tvm_op_broadcast_to(tvm_graph *g, tvm_tensor x, int ndim,
                                        const int64_t *shape);
/* Removes the listed size-1 axes (naxes == 0: every constant size-1 axis). */
TVMC_API tvm_tensor tvm_op_squeeze(tvm_graph *g, tvm_tensor x, int naxes, const int *axes);
/* Inserts size-1 axes at the listed positions of the result. */
TVMC_API tvm_tensor tvm_op_unsqueeze(tvm_graph *g, tvm_tensor x, int naxes, const int *axes);
/* ONNX Flatten: 2-D result [prod(dims[:axis]), prod(dims[axis:])]. */
TVMC_API tvm_tensor tvm_op_flatten(tvm_graph *g, tvm_tensor x, int axis);
/* ONNX Tile: repeats (ndim entries, >= 0). */
TVMC_API tvm_tensor tvm_op_tile(tvm_graph *g, tvm_tensor x, const int64_t *repeats);

typedef enum tvm_resize_mode { TVM_RESIZE_NEAREST = 0, TVM_RESIZE_LINEAR } tvm_resize_mode;
typedef enum tvm_resize_coord {
    TVM_COORD_HALF_PIXEL = 0, TVM_COORD_ASYMMETRIC, TVM_COORD_ALIGN_CORNERS,
    TVM_COORD_PYTORCH_HALF_PIXEL
} tvm_resize_coord;
typedef enum tvm_resize_nearest {
    TVM_NEAREST_ROUND_PREFER_FLOOR = 0, TVM_NEAREST_ROUND_PREFER_CEIL,
    TVM_NEAREST_FLOOR, TVM_NEAREST_CEIL
} tvm_resize_nearest;
/* ONNX Resize to out_shape (x's rank, constants >= 1; float x). LINEAR
 * interpolates every resized dim (bilinear on H, W for NCHW; at most 8
 * resized dims, TVM_ERR_UNSUPPORTED beyond). Source coordinates are
 * computed in float64 and clamped into x; values are interpolated in
 * float32 (float64 for float64 x). */
TVMC_API tvm_tensor tvm_op_resize(tvm_graph *g, tvm_tensor x, const int64_t *out_shape,
                                  tvm_resize_mode mode, tvm_resize_coord coord,
                                  tvm_resize_nearest nearest);

typedef enum tvm_grid_sample_mode {
    TVM_GRID_SAMPLE_BILINEAR = 0, TVM_GRID_SAMPLE_NEAREST, TVM_GRID_SAMPLE_BICUBIC
} tvm_grid_sample_mode;
typedef enum tvm_grid_sample_padding {
    TVM_GRID_PAD_ZEROS = 0, TVM_GRID_PAD_BORDER, TVM_GRID_PAD_REFLECTION
} tvm_grid_sample_padding;
/* ONNX GridSample (opset 16) / PyTorch grid_sample: x [N, C, H, W] sampled
 * at grid [N, H_out, W_out, 2] (float; per location x then y, normalised so
 * that -1 and 1 are the image's corner pixel centres when align_corners is
 * 1, its outer edges when 0), result [N, C, H_out, W_out] of x's dtype.
 * x is float; grid is any float dtype; N must be the same dim in both and
 * grid's last dim the constant 2. NEAREST rounds half to even, BICUBIC is
 * cubic convolution (A = -0.75) over 4x4 taps. ZEROS reads 0 outside the
 * image, BORDER clamps coordinates into it, REFLECTION mirrors them at its
 * edges (bicubic pads each tap, the other modes the sampling point).
 * Coordinates and weights are float32 (float64 for float64 x). A NaN grid
 * value reads 0; an infinite one reads 0 (zeros, reflection) or the border.
 * TVM_ERR_SHAPE for ranks or dims that do not fit, TVM_ERR_DTYPE for
 * non-float operands, TVM_ERR_INVALID_ARGUMENT for a mode, padding or
 * align_corners (0 or 1) out of range. */
TVMC_API tvm_tensor tvm_op_grid_sample(tvm_graph *g, tvm_tensor x, tvm_tensor grid,
                                       tvm_grid_sample_mode mode,
                                       tvm_grid_sample_padding padding, int align_corners);

/* --- indexing, selection, quantization and bit operators --------------- */
/*
 * Indices (int32 or int64) may be negative and then count from the end of
 * the dimension they index. They are data: an index outside [-dim, dim)
 * fails the call with TVM_ERR_OUT_OF_BOUNDS (no read or write happens
 * outside a tensor); the message names the tensor whose index was bad
 * (for the scatters, the indices tensor).
 */

/* ONNX GatherElements: out[i] = x[i with i[axis] := indices[i]]. indices has
 * x's rank; its dims other than axis must not exceed x's (constants) or be
 * the same expression. The result has indices' shape and x's dtype. */
TVMC_API tvm_tensor tvm_op_gather_elements(tvm_graph *g, tvm_tensor x, tvm_tensor indices,
                                           int axis);
/* ONNX GatherND: indices [..., m] holds index tuples into the dims
 * [batch_dims, batch_dims + m) of x (m a constant, batch_dims + m <= rank of
 * x); the first batch_dims dims of x and indices are shared batch dims
 * (equal). Result shape indices.shape[:-1] + x.shape[batch_dims + m:]. */
TVMC_API tvm_tensor tvm_op_gather_nd(tvm_graph *g, tvm_tensor x, tvm_tensor indices,
                                     int batch_dims);

/* How a scatter combines an update with the value it lands on. */
typedef enum tvm_scatter_reduction {
    TVM_SCATTER_NONE = 0, /* replace; of several updates to one element the
                             last in row-major order of indices wins */
    TVM_SCATTER_ADD = 1,
    TVM_SCATTER_MUL = 2,
    TVM_SCATTER_MAX = 3,  /* NaN-propagating, like tvm_max */
    TVM_SCATTER_MIN = 4
} tvm_scatter_reduction;

/* ONNX ScatterElements (and opset 9-10 Scatter): a copy of x where, for every
 * position u of indices, element (u with u[axis] := indices[u]) is combined
 * with updates[u]. indices and updates have one shape, of x's rank, with
 * dims other than axis not exceeding x's. Each result element looks at the
 * updates along axis only, so the cost is x's size times indices' dim on
 * axis. ADD / MUL / MAX / MIN need numbers (not bool). */
TVMC_API tvm_tensor tvm_op_scatter_elements(tvm_graph *g, tvm_tensor x, tvm_tensor indices,
                                            tvm_tensor updates, int axis,
                                            tvm_scatter_reduction reduction);
/* ONNX ScatterND: indices [..., m] (m a constant, 1 <= m <= rank of x)
 * addresses slices x[t0, ..., t(m-1), :, ...]; updates has shape
 * indices.shape[:-1] + x.shape[m:]. Each result element compares its
 * position with every index tuple: the cost is x's size times the number of
 * tuples. */
TVMC_API tvm_tensor tvm_op_scatter_nd(tvm_graph *g, tvm_tensor x, tvm_tensor indices,
                                      tvm_tensor updates, tvm_scatter_reduction reduction);

/* ONNX TopK: the int64 positions along axis of the k largest (largest != 0)
 * or smallest elements of x, in order (best first; equal values in
 * increasing position, as ONNX asks). The result is x's shape with k on
 * axis; the values are tvm_op_gather_elements(g, x, indices, axis). NaN
 * counts as larger than every number. 0 <= k <= the dim on axis
 * (TVM_ERR_INVALID_ARGUMENT when the dim is a constant below k; a symbolic
 * dim below k fails the call with TVM_ERR_OUT_OF_BOUNDS). A constant dim
 * over 256 is merge-sorted, cut after k: O(n log^2 k) per row of n (its
 * compile takes about a second, LLVM's time on the merge passes); a shorter
 * or symbolic dim ranks each element against its whole row: O(n^2). */
TVMC_API tvm_tensor tvm_op_topk(tvm_graph *g, tvm_tensor x, int64_t k, int axis, int largest);

/* numpy / ONNX einsum over n operands (1 <= n <= 8) of one numeric dtype.
 * equation is "TERM,TERM...->OUT" or "TERM,..." (implicit output: the
 * letters used once, in alphabetical order, after the broadcast dims);
 * terms are letters a-z, A-Z and at most one "..." (broadcast dims, numpy
 * rules); spaces are ignored. A letter repeated in a term takes the
 * diagonal; letters missing from the output are summed over. Each use of a
 * letter must have the same dim. The result is one compute (a sum of
 * products), so "ij,jk->ik" and "bhqd,bhkd->bhqk" are matrix products. */
TVMC_API tvm_tensor tvm_op_einsum(tvm_graph *g, const char *equation, int n,
                                  const tvm_tensor *xs);

/* ONNX QuantizeLinear: saturate(round(x / scale) + zero_point), rounding
 * half to even, in dtype TVM_INT8 or TVM_UINT8 (zero_point's dtype when it is
 * given; dtype 0 then means "as zero_point"). x and scale are floats;
 * scale and zero_point (optional) are per tensor (rank 0, or rank 1 with one
 * element) or per axis (rank 1 with x's dim on axis; axis is checked only
 * then). NaN gives 0. */
TVMC_API tvm_tensor tvm_op_quantize_linear(tvm_graph *g, tvm_tensor x, tvm_tensor scale,
                                           tvm_tensor zero_point, int axis, tvm_dtype dtype);
/* ONNX DequantizeLinear: (x - zero_point) * scale in scale's (float) dtype.
 * x is int8, uint8 or int32; zero_point (optional) has x's dtype; shapes of
 * scale and zero_point as in tvm_op_quantize_linear. */
TVMC_API tvm_tensor tvm_op_dequantize_linear(tvm_graph *g, tvm_tensor x, tvm_tensor scale,
                                             tvm_tensor zero_point, int axis);
/* ONNX BitShift, with numpy broadcasting: x << y (left != 0) or x >> y,
 * for integer x and y of one dtype. Left shifts wrap; right shifts are
 * logical for uint8 and arithmetic (rounding toward negative infinity) for
 * signed dtypes. A shift by the bit width or more, or by a negative amount,
 * shifts every bit out: 0, or -1 for a negative x shifted right. */
TVMC_API tvm_tensor tvm_op_bitshift(tvm_graph *g, tvm_tensor x, tvm_tensor y, int left);

/* ===================================================================== */
/* ONNX import                                                            */
/* ===================================================================== */
/*
 * Builds an ONNX model (ModelProto, opsets 1-17 of the default domain, plus
 * com.microsoft's Gelu) into a graph with the operator library above. Graph
 * inputs become placeholders, initializers and Constant nodes tvm_constant
 * tensors, every node one or more operator calls. A dim with a dim_param (or without a dim_value)
 * becomes a size variable; dims sharing a dim_param name share the
 * variable. Inputs that ONNX feeds at run time but tvmc needs at build time
 * (Reshape's shape, Slice's starts, Pad's pads, ...) must come from an
 * initializer, a Constant node or a subgraph that folds to a constant
 * (Shape -> Gather -> Concat on known dims) or a binding (see
 * tvm_onnx_options); otherwise the import is TVM_ERR_UNSUPPORTED naming the
 * node and the input. Nodes whose inputs are all known are evaluated at
 * import time (up to 65536 elements). If, Loop and Scan leave no
 * control flow in the graph: an If whose condition is known imports the
 * branch taken, otherwise both branches, selected elementwise (they must
 * give equal dtypes and shapes); a Loop whose trip count and condition are
 * known at import time, and a Scan over constant lengths (Scan-8: with
 * sequence_lens absent or all full), are unrolled (at most 65536 body nodes
 * each); anything else is TVM_ERR_UNSUPPORTED. Thread rule: as for the
 * graph.
 *
 * Statuses: TVM_ERR_INVALID_ARGUMENT for bad options (a binding naming no
 * graph input, or twice); TVM_ERR_DTYPE / TVM_ERR_SHAPE for a binding whose
 * value does not fit its input, for an operator whose inputs do not fit it,
 * and for an output whose declared type or shape contradicts what it
 * computes; TVM_ERR_PARSE for bytes that are not a well-formed model
 * (truncated, garbage, nesting deeper than 64 messages, a node reading a
 * value nothing defines, a tensor whose data does not fill its shape);
 * TVM_ERR_LIMIT for
 * a model past opts' limits; TVM_ERR_UNSUPPORTED listing every operator of
 * the model this build cannot import, each with its domain and opset, in one
 * message (also for external-data tensors, and for every call of a build
 * configured without the importer, -Donnx=disabled); TVM_ERR_IO for a file
 * that cannot be read. On any failure *out is untouched and the graph may
 * hold part of the model (and a recorded error): destroy it.
 */

typedef struct tvm_onnx_model tvm_onnx_model;

/* A graph input given its value at import time. It becomes a constant (the
 * data is copied) and is no longer among the model's inputs, so operators
 * that need it at build time (Reshape's shape fed as an input, Clip's
 * bounds, ...) can read it. value must be on kDLCPU with compact strides
 * (or NULL), lanes 1, the input's element type and rank, and its constant
 * dims; at most 2^24 elements. */
typedef struct tvm_onnx_binding {
    const char *name;        /* a graph input's name (not an initializer's) */
    const DLTensor *value;
} tvm_onnx_binding;

typedef struct tvm_onnx_options {
    size_t struct_size;      /* sizeof(tvm_onnx_options) */
    int64_t max_bytes;       /* largest model accepted; 0 = 2 GiB */
    int32_t max_nodes;       /* most nodes (plus initializers, plus the nodes
                                that unrolling Loop / Scan / RNN adds);
                                0 = 1,000,000 */
    uint32_t flags;          /* reserved, must be 0 */
    int32_t nbindings;       /* entries of bindings (0: none) */
    int32_t reserved_;       /* must be 0 */
    const tvm_onnx_binding *bindings; /* read during the call only */
} tvm_onnx_options;

/* Imports the serialised model data[0..size) into g. opts may be NULL
 * (defaults). data is only read during the call. *out gets the model's
 * description (inputs, outputs), owned by the caller: free it with
 * tvm_onnx_model_free; its tensor handles belong to g. */
TVMC_API tvm_status tvm_onnx_import(tvm_graph *g, const void *data, size_t size,
                                    const tvm_onnx_options *opts,
                                    tvm_onnx_model **out);
/* tvm_onnx_import of the contents of the file at path. */
TVMC_API tvm_status tvm_onnx_import_file(tvm_graph *g, const char *path,
                                         const tvm_onnx_options *opts,
                                         tvm_onnx_model **out);
/* Frees a model description (not the graph). Accepts NULL. */
TVMC_API void tvm_onnx_model_free(tvm_onnx_model *m);

/* One graph input or output of an imported model. */
typedef struct tvm_onnx_value {
    size_t struct_size;           /* sizeof(tvm_onnx_value), set by the caller */
    const char *name;             /* the ONNX name; valid until the model is freed */
    tvm_tensor tensor;            /* placeholder (input) or compute (output) */
    tvm_dtype dtype;
    int32_t ndim;
    int64_t shape[TVM_MAX_NDIM];  /* constant dims; -1 where symbolic */
    tvm_expr dims[TVM_MAX_NDIM];  /* every dim as an int64 expression of g */
} tvm_onnx_value;

/* Counts of the model's run-time inputs (initializers excluded) and outputs;
 * either pointer may be NULL. Compile with the inputs in this order. */
TVMC_API tvm_status tvm_onnx_model_counts(const tvm_onnx_model *m, int *ninputs,
                                          int *noutputs);
/* Describes input / output `index` into *value (value->struct_size must be
 * set; TVM_ERR_INVALID_ARGUMENT for a bad index). Every output is a compute,
 * so the outputs can be passed to tvm_compile as they are. */
TVMC_API tvm_status tvm_onnx_model_input(const tvm_onnx_model *m, int index,
                                         tvm_onnx_value *value);
TVMC_API tvm_status tvm_onnx_model_output(const tvm_onnx_model *m, int index,
                                          tvm_onnx_value *value);

/* ===================================================================== */
/* Schedules                                                              */
/* ===================================================================== */

/* A schedule says how the loop nests of a graph's computes run, as TVM's te
 * schedules and Halide's do; tvm_compile applies it through
 * tvm_compile_options.schedule. A schedule never changes what is computed,
 * only in which order and where: every output is what the unscheduled
 * function gives, except that a reduction whose axes are reordered (an inner
 * part of a split reduction axis moved outside its outer part) adds its terms
 * in that order (see "The order in which a reduction combines").
 *
 * Stages are the graph's computes, named by their tvm_tensor. Axes are named
 * by tvm_expr: a stage's own iteration variables (tvm_compute's iters) and
 * the reduction axes of its body's one reduction start as its loops, in that
 * order (spatial loops outside, reduction loops inside). split, tile and fuse
 * replace loops by new axes whose handles they return; these handles belong
 * to the schedule (they are not graph expressions) and name loops of that
 * stage only. A stage's loop order is its leaf axes' order; reorder changes
 * it.
 *
 * Errors. Each primitive checks its arguments when called and returns
 * TVM_ERR_INVALID_ARGUMENT (NULL pointers, a factor outside [1, 2^31], an
 * axis used twice)
 * or TVM_ERR_INVALID_HANDLE (a stage that is not a compute of the schedule's
 * graph reached from its outputs, an axis that is not a current loop of that
 * stage) with a message naming the stage and the axis; a failed primitive
 * changes nothing. tvm_compile checks the schedule as a whole and returns
 * TVM_ERR_INVALID_ARGUMENT naming stage and axis for: a schedule made for
 * another graph; parallel on a loop that is not the stage's outermost or
 * that is (part of) a reduction axis (a reduction is never split across
 * threads); vectorize on a reduction loop (it carries the accumulation) or
 * on a loop that is not the innermost (with the reduction inside it, that
 * needs cache_write); a reduction loop outside a spatial loop without
 * cache_write at or above it; compute_at whose axis runs inside the
 * consumer's reduction, whose producer is read by another stage or is an
 * output, or whose box (see compute_at) is not of constant size; a
 * cache_write block larger than 16384 elements or with a non-constant
 * extent. TVM_ERR_UNSUPPORTED for a stage whose loop nest the schedule
 * cannot rebuild: a reduction that does not depend on every spatial loop
 * (lowering hoists it out of the inner ones), several reduce expressions
 * in one body (their axes are not schedulable, the spatial loops are), a
 * compute_at producer with loop primitives of its own, or reads of it that
 * are not affine in the consumer's loops.
 *
 * Non-dividing factors are correct: the last iterations of a split loop are
 * guarded (out-of-range points are skipped). A graph's computes that a
 * schedule does not mention keep the default schedule; a stage the schedule
 * mentions is stored in its own loop nest (producers it reads that the
 * default would fuse as reductions or staged rows are stored too, unless
 * compute_inline or compute_at says otherwise) and gets exactly the loops the
 * schedule describes.
 *
 * Thread rule: a schedule is used by one thread at a time, like its graph,
 * and must not outlive it. tvm_compile reads it and keeps nothing of it.
 *
 * Example: a blocked matmul C[i, j] = sum_k A[i, k] * B[k, j]:
 *
 *   tvm_schedule *s;
 *   tvm_schedule_create(g, 1, &C, &s);
 *   tvm_expr io, jo, ii, ji, ko, ki;
 *   tvm_sched_tile(s, C, i, j, 32, 32, &io, &jo, &ii, &ji);
 *   tvm_sched_split(s, C, k, 4, &ko, &ki);
 *   tvm_sched_reorder(s, C, 6, (tvm_expr[]){io, jo, ko, ki, ii, ji});
 *   tvm_sched_cache_write(s, C, jo);   // a 32 x 32 accumulator block per (io, jo)
 *   tvm_sched_vectorize(s, C, ji);
 *   tvm_sched_parallel(s, C, io);
 *   tvm_tensor Bp;                     // B in 32-column panels, contiguous per jo
 *   tvm_sched_pack(s, C, B, 1, 32, &Bp);
 *   tvm_compile_options o = {.struct_size = sizeof o, .schedule = s};
 *   tvm_compile(g, 2, (tvm_tensor[]){A, B}, 1, &C, &o, &fn);
 *   tvm_schedule_destroy(s);
 */
typedef struct tvm_schedule tvm_schedule;

/* A schedule for the computes that outputs (nout computes of g) need; every
 * stage starts with the default loops. *out gets the schedule (destroy it). */
TVMC_API tvm_status tvm_schedule_create(tvm_graph *g, int nout, const tvm_tensor *outputs,
                                        tvm_schedule **out);
/* Frees the schedule; NULL is fine. */
TVMC_API void tvm_schedule_destroy(tvm_schedule *s);

/* Splits loop axis of stage by factor (1 .. 2^31): outer runs ceil(extent /
 * factor) times, inner factor times; axis = outer * factor + inner. *outer
 * and *inner get the new axes. */
TVMC_API tvm_status tvm_sched_split(tvm_schedule *s, tvm_tensor stage, tvm_expr axis,
                                    int64_t factor, tvm_expr *outer, tvm_expr *inner);
/* Splits x by xf and y by yf and orders the loops x_outer, y_outer, x_inner,
 * y_inner where x was (x and y must be distinct loops of the stage). */
TVMC_API tvm_status tvm_sched_tile(tvm_schedule *s, tvm_tensor stage, tvm_expr x,
                                   tvm_expr y, int64_t xf, int64_t yf, tvm_expr *x_outer,
                                   tvm_expr *y_outer, tvm_expr *x_inner, tvm_expr *y_inner);
/* Puts the n given loops (distinct, 1 <= n <= 64) in this order, in the
 * positions they occupy now; the other loops stay where they are. */
TVMC_API tvm_status tvm_sched_reorder(tvm_schedule *s, tvm_tensor stage, int n,
                                      const tvm_expr *axes);
/* Fuses two adjacent loops (outer immediately outside inner, both spatial or
 * both reduction) into one: outer = fused / extent(inner), inner = fused %
 * extent(inner). */
TVMC_API tvm_status tvm_sched_fuse(tvm_schedule *s, tvm_tensor stage, tvm_expr outer,
                                   tvm_expr inner, tvm_expr *fused);
/* Loop annotations, checked at tvm_compile (see Errors above): vectorize the
 * innermost loop, run the outermost spatial loop on the context's threads,
 * unroll a loop fully. */
TVMC_API tvm_status tvm_sched_vectorize(tvm_schedule *s, tvm_tensor stage, tvm_expr axis);
TVMC_API tvm_status tvm_sched_parallel(tvm_schedule *s, tvm_tensor stage, tvm_expr axis);
TVMC_API tvm_status tvm_sched_unroll(tvm_schedule *s, tvm_tensor stage, tvm_expr axis);
/* Computes producer (a compute without a reduction, not an output) inside
 * the loops of each stage that reads it, at every read. */
TVMC_API tvm_status tvm_sched_compute_inline(tvm_schedule *s, tvm_tensor producer);
/* Computes, inside loop axis of consumer, the part of producer (not an
 * output, read by consumer only) that the loops inside axis read, into a
 * local buffer those reads then use; the region must have a constant size
 * (at most 65536 elements). */
TVMC_API tvm_status tvm_sched_compute_at(tvm_schedule *s, tvm_tensor producer,
                                         tvm_tensor consumer, tvm_expr axis);
/* Accumulates the stage's reduction in a local block covering the spatial
 * loops inside axis (their extents must be constant): the block is set to
 * the identity, the loops inside axis accumulate into it in their order,
 * then it is written out. This is what lets reduction loops run outside
 * spatial ones (and the innermost spatial loop be vectorised). */
TVMC_API tvm_status tvm_sched_cache_write(tvm_schedule *s, tvm_tensor stage, tvm_expr axis);
/* Re-lays operand (an input placeholder or a constant that consumer, an
 * output of the schedule, reads) into panels of block elements along
 * dimension dim, before consumer reads it:
 *   packed[o, other dims..., in] = operand[..., o * block + in, ...]
 * (0 past the end), and consumer reads packed[e / block, ..., e % block]
 * where it read operand[..., e, ...]. The panels of a constant are computed
 * once, at tvm_compile; those of an input on every call, as a stage of their
 * own (*packed gets its handle; it may be scheduled like any stage). With
 * the consumer's loop over that dimension split by block, the reads walk
 * each panel contiguously. TVM_ERR_INVALID_ARGUMENT for a consumer that is
 * not an output or does not read operand, an operand that is a compute, dim
 * out of range, block outside [1, 1048576]. */
TVMC_API tvm_status tvm_sched_pack(tvm_schedule *s, tvm_tensor consumer, tvm_tensor operand,
                                   int dim, int64_t block, tvm_tensor *packed);

/* ===================================================================== */
/* Compilation                                                            */
/* ===================================================================== */

typedef struct tvm_function tvm_function;

/* opt_level values. A zeroed options struct means the default, O3. */
#define TVM_OPT_DEFAULT 0
#define TVM_OPT_O0 (-1)
#define TVM_OPT_O1 1
#define TVM_OPT_O2 2
#define TVM_OPT_O3 3

/* flags */
#define TVM_COMPILE_FAST_MATH 0x1u /* relax IEEE rules (see Semantics) */
#define TVM_COMPILE_NO_INLINE 0x2u /* no fusion: every compute is its own kernel */
#define TVM_COMPILE_NO_CACHE 0x4u  /* do not reuse an identical compiled graph */
/* Memory for the one-shot "import, compile, destroy the graph" use: while it
 * compiles, tvm_compile releases the bytes of every graph constant that the
 * compiled function does not read itself because everything computed from
 * it was folded at compile time (a weight whose transposed or packed copy
 * the function holds instead). Each is dropped as soon as the last fold
 * that reads it has run, so a model's weights and their prepared copies are
 * never all held at once. The released constants stay in the graph (same
 * handles, shapes, printing and cache identity) without their data: a later
 * tvm_compile of this graph that would read one of them fails with
 * TVM_ERR_INVALID_ARGUMENT naming it (an identical compile still finds the
 * cached function). They stay released when the compile fails later on.
 * Constants the function reads directly and all other graphs are untouched;
 * functions compiled earlier keep their own references to the bytes. */
#define TVM_COMPILE_RELEASE_CONSTANTS 0x8u

typedef struct tvm_compile_options {
    size_t struct_size;  /* sizeof(tvm_compile_options) */
    const char *target;  /* NULL or "llvm" (host CPU),
                            "llvm -mcpu=NAME -mattr=+a,-b", or "interp" */
    int32_t opt_level;   /* TVM_OPT_* */
    uint32_t flags;      /* TVM_COMPILE_* */
    const tvm_schedule *schedule; /* NULL, or a schedule of the compiled graph
                                     whose outputs are these outputs */
} tvm_compile_options;

/* Compiles the graph's computation of outputs from inputs. The function's
 * argument order is the inputs, then the outputs. Every placeholder reached
 * from the outputs must be among the inputs; inputs are placeholders, outputs
 * are computes. Shapes with size variables are specialised per concrete shape
 * signature on first call; functions without size variables compile their
 * kernel here. Compiling a structurally identical graph again in the same
 * context returns the cached function (with a new reference).
 * *out gets a function with one reference (release it). The graph may be
 * destroyed afterwards. */
TVMC_API tvm_status tvm_compile(tvm_graph *g, int nin, const tvm_tensor *inputs,
                                int nout, const tvm_tensor *outputs,
                                const tvm_compile_options *opts,
                                tvm_function **out);

/* Runs the function. args holds nargs = inputs + outputs DLTensor pointers, in
 * the compile order. Each tensor must be on kDLCPU with non-NULL data (unless
 * it has no elements), the compiled dtype (lanes 1) and rank, a compact
 * row-major layout (strides NULL or equal to the compact strides; dims of
 * extent 1 may have any stride) and data + byte_offset aligned to the element
 * size. Size variables must be bound consistently by all arguments; a size
 * variable that appears only in an output shape is bound from that output.
 * Outputs may not overlap inputs or each other. All checks happen before any
 * kernel runs. Safe to call from many threads at once. */
TVMC_API tvm_status tvm_function_call(tvm_function *fn, DLTensor *const *args,
                                      int nargs);

TVMC_API tvm_status tvm_function_retain(tvm_function *fn);
TVMC_API void tvm_function_release(tvm_function *fn);

/* Number of inputs and outputs (either pointer may be NULL). */
TVMC_API tvm_status tvm_function_num_args(tvm_function *fn, int *nin, int *nout);
/* dtype and rank of argument index (inputs then outputs). */
TVMC_API tvm_status tvm_function_arg_info(tvm_function *fn, int index,
                                          tvm_dtype *dtype, int *ndim);

/* The shape of output out_index for the given inputs (nin DLTensor pointers;
 * only their shapes are read). shape must hold TVM_MAX_NDIM entries; *ndim
 * gets the rank. TVM_ERR_SHAPE if a size variable of that output is not
 * determined by the inputs. */
TVMC_API tvm_status tvm_function_output_shape(tvm_function *fn,
                                              DLTensor *const *inputs, int out_index,
                                              int64_t *shape, int *ndim);

/* Source of the function at a stage: "graph" (tensor IR), "loop" (loop IR of
 * the latest specialisation, or the symbolic template before the first call),
 * "llvm" (optimised LLVM IR) or "asm" (machine assembly) of the latest
 * specialisation. *text is NUL-terminated; free it with tvm_free. */
TVMC_API tvm_status tvm_function_source(tvm_function *fn, const char *kind,
                                        char **text);

/* How the latest specialisation (or the only one, for constant shapes) is
 * laid out: how many kernels (fused loop nests) it runs and how much
 * workspace its intermediates need. */
typedef struct tvm_kernel_plan {
    size_t struct_size;          /* sizeof(tvm_kernel_plan) */
    int32_t num_kernels;         /* loop nests run per call */
    int32_t num_intermediates;   /* tensors stored between kernels */
    int64_t workspace_bytes;     /* planned peak: intermediates share memory by liveness */
    int64_t intermediate_bytes;  /* sum of every intermediate's size (no sharing) */
    int64_t peak_live_bytes;     /* the most bytes of intermediates alive at one time:
                                    no plan can use less than this */
} tvm_kernel_plan;

/* Fills *plan (plan->struct_size must be set). TVM_ERR_INVALID_ARGUMENT when
 * the function has size variables and has not been called yet. */
TVMC_API tvm_status tvm_function_plan(tvm_function *fn, tvm_kernel_plan *plan);

/* ===================================================================== */
/* Stage dumps                                                            */
/* ===================================================================== */
/*
 * The text of one compilation stage, for tools and people (the tvmc command
 * line's `dump`); TVMC_DUMP_IR prints every pass to stderr instead. Stages:
 *   "graph"  the tensor graph as compiled (tensor-IR printer)
 *   "fused"  the fusion decisions: one line per kernel, the stored tensor
 *            and the computes evaluated inside it, then the computes folded
 *            into constants at compile time
 *   "loop"   the loop IR of the latest specialisation (the symbolic
 *            template before a function with size variables is first called)
 *   "llvm"   optimised LLVM IR of the latest specialisation
 *   "asm"    its native assembly
 * "llvm" and "asm" need a specialisation (call a function with size
 * variables once: TVM_ERR_INVALID_ARGUMENT before) and the llvm target
 * (TVM_ERR_UNSUPPORTED for interp). Text formats are for reading; they are
 * not a stable interface.
 */

/* Copies the NUL-terminated text of `stage` into buf[0..cap). *needed (if
 * needed is not NULL) gets its size in bytes, NUL included, whenever the
 * stage exists, also when buf is too small. buf == NULL with cap == 0 only
 * asks for the size. TVM_ERR_LIMIT when cap is smaller than the text (buf
 * untouched), TVM_ERR_INVALID_ARGUMENT for a NULL fn or stage, an unknown
 * stage, buf NULL with cap > 0, or buf and needed both NULL. Any thread. */
TVMC_API tvm_status tvm_function_dump(tvm_function *fn, const char *stage, char *buf,
                                      size_t cap, size_t *needed);

/* ===================================================================== */
/* Direct entry points                                                    */
/* ===================================================================== */
/*
 * For a host that calls one kernel in a hot loop (a game engine's
 * per-frame kernel), an entry is the compiled kernel behind a plain C
 * function with one data pointer per argument, inputs then outputs, in the
 * compile order, and no DLTensor checking:
 *
 *     int32_t (*)(T0 *arg0, T1 *arg1, ..., Tn *argn)
 *
 * where Ti is the C type of argument i's dtype (float for TVM_FLOAT32,
 * uint16_t for float16 / bfloat16 bits, bool as uint8_t). tvm_entry_fn is a
 * generic function pointer: cast it to that type before calling. The call
 * returns TVM_OK (0) or a tvm_status value, and then also sets
 * tvm_last_error(): TVM_ERR_OUT_OF_BOUNDS for a data-dependent index out
 * of range (gather), TVM_ERR_OUT_OF_MEMORY, TVM_ERR_INTERNAL when the host's
 * parallel_for failed. Results are bit-identical to tvm_function_call's.
 * The call switches to the default floating-point environment and back, and
 * runs parallel loops on the context's thread pool, as tvm_function_call.
 *
 * What the host guarantees instead of the checks (breaking any of them is
 * undefined behaviour, not an error status): each pointer addresses the
 * whole compact row-major tensor of the compiled shape and dtype (see
 * tvm_function_arg_info), aligned to its element size; no output overlaps
 * another argument; the entry is not destroyed while a call runs.
 *
 * Thread rule: an entry may be called from any thread, concurrently. It
 * owns one workspace for the function's intermediates; a call that
 * overlaps another call of the same entry allocates a temporary one (so
 * take one entry per thread when the function has intermediates and the
 * calls overlap; tvm_function_plan tells its workspace_bytes).
 */

typedef struct tvm_entry tvm_entry;
typedef void (*tvm_entry_fn)(void);

/* Makes the direct entry of fn: *entry (destroy with tvm_entry_destroy; it
 * holds a reference to fn) and *code, callable until the entry is
 * destroyed. The function must have constant shapes (no size variables:
 * TVM_ERR_UNSUPPORTED otherwise, as there is no shape to take them from);
 * any target works (an "interp" function gets an entry that interprets).
 * TVM_ERR_UNSUPPORTED also when this build cannot make machine code. */
TVMC_API tvm_status tvm_function_entry(tvm_function *fn, tvm_entry **entry,
                                       tvm_entry_fn *code);
/* Releases an entry and its reference to the function. Accepts NULL. */
TVMC_API void tvm_entry_destroy(tvm_entry *entry);

#ifdef __cplusplus
}
#endif

#endif /* TVMC_H */
