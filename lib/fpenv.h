/* fpenv.h — tvmc's numerics are IEEE round-to-nearest-even with denormals,
 * whatever the host has set (a game engine may run with FTZ/DAZ, a solver
 * with another rounding mode). Code that rounds floats — kernels, constant
 * folding, the interpreter, builder conversions — runs inside
 * fpenv_enter/fpenv_leave, which switch to the default environment only when
 * the host's differs and put the host's back exactly (status flags too). */
#ifndef TVMC_FPENV_H
#define TVMC_FPENV_H

#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
/* MXCSR: bits 0-5 status flags, 6 DAZ, 7-12 exception masks, 13-14 rounding,
 * 15 FTZ. The default is all exceptions masked, round to nearest, no FTZ/DAZ. */
#define FPENV_DEFAULT_CONTROL 0x1f80u
#define FPENV_STATUS_FLAGS 0x3fu

typedef struct fpenv {
    uint32_t saved;
} fpenv;

static inline void fpenv_enter(fpenv *e) {
    e->saved = __builtin_ia32_stmxcsr();
    if ((e->saved & ~FPENV_STATUS_FLAGS) != FPENV_DEFAULT_CONTROL)
        __builtin_ia32_ldmxcsr(FPENV_DEFAULT_CONTROL | (e->saved & FPENV_STATUS_FLAGS));
}

static inline void fpenv_leave(const fpenv *e) {
    if (__builtin_ia32_stmxcsr() != e->saved) __builtin_ia32_ldmxcsr(e->saved);
}
#else
#include <fenv.h>
typedef struct fpenv {
    fenv_t saved;
} fpenv;
static inline void fpenv_enter(fpenv *e) {
    fegetenv(&e->saved);
    fesetenv(FE_DFL_ENV);
}
static inline void fpenv_leave(const fpenv *e) { fesetenv(&e->saved); }
#endif

#endif
