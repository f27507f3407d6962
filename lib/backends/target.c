/* target.c — parsing TVM-style target strings ("llvm -mcpu=znver4
 * -mattr=+avx2,-avx512f", "interp").
 *
 * LLVM warns on stderr about CPU or feature names it does not know, and
 * aborts on feature sets that break the x86-64 ABI, so on x86-64 hosts the
 * names are checked here against LLVM 19's lists (`llc -mcpu=help`) and the
 * ABI-breaking switches are refused. */
#include "backend.h"

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>
#include <stdlib.h>

#if defined(__x86_64__)
/* Space-separated, with a space at both ends: a name is known when
 * " name " occurs. LLVM 19.1 X86 processors. */
static const char x86_cpus[] =
    " alderlake amdfam10 arrowlake arrowlake-s arrowlake_s athlon athlon-4 athlon-fx"
    " athlon-mp athlon-tbird athlon-xp athlon64 athlon64-sse3 atom atom_sse4_2"
    " atom_sse4_2_movbe barcelona bdver1 bdver2 bdver3 bdver4 bonnell broadwell btver1"
    " btver2 c3 c3-2 cannonlake cascadelake clearwaterforest cooperlake core-avx-i"
    " core-avx2 core2 core_2_duo_sse4_1 core_2_duo_ssse3 core_2nd_gen_avx"
    " core_3rd_gen_avx core_4th_gen_avx core_4th_gen_avx_tsx core_5th_gen_avx"
    " core_5th_gen_avx_tsx core_aes_pclmulqdq core_i7_sse4_2 corei7 corei7-avx"
    " emeraldrapids generic geode goldmont goldmont-plus goldmont_plus gracemont"
    " grandridge graniterapids graniterapids-d graniterapids_d haswell i386 i486 i586"
    " i686 icelake-client icelake-server icelake_client icelake_server ivybridge k6"
    " k6-2 k6-3 k8 k8-sse3 knl knm lakemont lunarlake meteorlake mic_avx512 nehalem"
    " nocona opteron opteron-sse3 pantherlake penryn pentium pentium-m pentium-mmx"
    " pentium2 pentium3 pentium3m pentium4 pentium4m pentium_4 pentium_4_sse3"
    " pentium_ii pentium_iii pentium_iii_no_xmm_regs pentium_m pentium_mmx pentium_pro"
    " pentiumpro prescott raptorlake rocketlake sandybridge sapphirerapids sierraforest"
    " silvermont skx skylake skylake-avx512 skylake_avx512 slm tigerlake tremont"
    " westmere winchip-c6 winchip2 x86-64 x86-64-v2 x86-64-v3 x86-64-v4 yonah znver1"
    " znver2 znver3 znver4 znver5 ";

/* LLVM 19.1 X86 features, less the mode switches (16bit-mode, 32bit-mode,
 * 64bit-mode, 64bit) and soft-float, which a JIT for this host must not
 * change. */
static const char x86_features[] =
    " adx aes allow-light-256-bit amx-bf16 amx-complex amx-fp16 amx-int8 amx-tile avx"
    " avx10.1-256 avx10.1-512 avx2 avx512bf16 avx512bitalg avx512bw avx512cd avx512dq"
    " avx512f avx512fp16 avx512ifma avx512vbmi avx512vbmi2 avx512vl avx512vnni"
    " avx512vp2intersect avx512vpopcntdq avxifma avxneconvert avxvnni avxvnniint16"
    " avxvnniint8 bmi bmi2 branch-hint branchfusion ccmp cf cldemote clflushopt clwb"
    " clzero cmov cmpccxadd crc32 cx16 cx8 egpr enqcmd ermsb evex512 f16c"
    " false-deps-getmant false-deps-lzcnt-tzcnt false-deps-mulc false-deps-mullq"
    " false-deps-perm false-deps-popcnt false-deps-range fast-11bytenop fast-15bytenop"
    " fast-7bytenop fast-bextr fast-dpwssd fast-gather fast-hops fast-imm16 fast-lzcnt"
    " fast-movbe fast-scalar-fsqrt fast-scalar-shift-masks fast-shld-rotate"
    " fast-variable-crosslane-shuffle fast-variable-perlane-shuffle"
    " fast-vector-fsqrt fast-vector-shift-masks faster-shift-than-shuffle fma fma4"
    " fsgsbase fsrm fxsr gfni harden-sls-ijmp harden-sls-ret hreset idivl-to-divb"
    " idivq-to-divl inline-asm-use-gpr32 invpcid kl lea-sp lea-uses-ag lvi-cfi"
    " lvi-load-hardening lwp lzcnt macrofusion mmx movbe movdir64b movdiri mwaitx ndd"
    " nf no-bypass-delay no-bypass-delay-blend no-bypass-delay-mov"
    " no-bypass-delay-shuffle nopl pad-short-functions pclmul pconfig pku popcnt ppx"
    " prefer-128-bit prefer-256-bit prefer-mask-registers prefer-movmsk-over-vtest"
    " prefer-no-gather prefer-no-scatter prefetchi prfchw ptwrite push2pop2 raoint"
    " rdpid rdpru rdrnd rdseed retpoline retpoline-external-thunk"
    " retpoline-indirect-branches retpoline-indirect-calls rtm sahf sbb-dep-breaking"
    " serialize seses sgx sha sha512 shstk slow-3ops-lea slow-incdec slow-lea"
    " slow-pmaddwd slow-pmulld slow-shld slow-two-mem-ops slow-unaligned-mem-16"
    " slow-unaligned-mem-32 sm3 sm4 sse sse-unaligned-mem sse2 sse3 sse4.1 sse4.2"
    " sse4a ssse3 tagged-globals tbm tsxldtrk tuning-fast-imm-vector-shift uintr"
    " use-glm-div-sqrt-costs use-slm-arith-costs usermsr vaes vpclmulqdq vzeroupper"
    " waitpkg wbnoinvd widekl x87 xop xsave xsavec xsaveopt xsaves zu ";

/* Features the x86-64 calling convention relies on (floats in SSE
 * registers): disabling them makes LLVM abort. */
static const char x86_required[] = " sse sse2 x87 ";
#endif

static bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

static bool valid_name(const char *s, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!name_char(s[i])) return false;
    return true;
}

#if defined(__x86_64__)
static bool in_list(const char *list, const char *s, size_t n) {
    for (const char *p = strstr(list, " "); p; p = strstr(p + 1, " ")) {
        if (strncmp(p + 1, s, n) == 0 && p[1 + n] == ' ') return true;
    }
    return false;
}
#endif

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* Splits a normalised triple into arch, vendor, os, environment. */
static int triple_parts(const char *t, char parts[4][64]) {
    int n = 0;
    memset(parts, 0, 4 * 64);
    while (*t && n < 4) {
        const char *d = strchr(t, '-');
        size_t len = d ? (size_t)(d - t) : strlen(t);
        if (len >= 64) len = 63;
        memcpy(parts[n++], t, len);
        if (!d) break;
        t = d + 1;
    }
    return n;
}

/* A triple is accepted when it names this host: same architecture, OS and
 * (when given) environment; the vendor ("pc", "unknown") is not compared. */
static bool triple_is_host(const char *user) {
    char *host_raw = LLVMGetDefaultTargetTriple();
    char *host = LLVMNormalizeTargetTriple(host_raw);
    char *norm = LLVMNormalizeTargetTriple(user);
    char h[4][64], u[4][64];
    int nh = triple_parts(host, h), nu = triple_parts(norm, u);
    bool ok = strcmp(host, norm) == 0 ||
              (nu >= 3 && nh >= 3 && strcmp(h[0], u[0]) == 0 && strcmp(h[2], u[2]) == 0 &&
               (nu < 4 || u[3][0] == '\0' || strcmp(h[3], u[3]) == 0));
    LLVMDisposeMessage(host_raw);
    LLVMDisposeMessage(host);
    LLVMDisposeMessage(norm);
    return ok;
}

static tvm_status parse_mcpu(const char *v, size_t n, be_target *out) {
    if (n == 0) return err_set(TVM_ERR_INVALID_ARGUMENT, "target 'llvm': -mcpu needs a value");
    if (n >= sizeof out->mcpu)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "target 'llvm': -mcpu value is too long (%zu "
                       "characters, at most %zu)", n, sizeof out->mcpu - 1);
    bool known = valid_name(v, n);
#if defined(__x86_64__)
    known = known && in_list(x86_cpus, v, n);
#endif
    if (!known)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "target 'llvm': unknown CPU '-mcpu=%.*s'",
                       (int)n, v);
    memcpy(out->mcpu, v, n);
    out->mcpu[n] = '\0';
    return TVM_OK;
}

static tvm_status parse_mattr(const char *v, size_t n, be_target *out) {
    if (n == 0) return err_set(TVM_ERR_INVALID_ARGUMENT, "target 'llvm': -mattr needs a value");
    if (n >= sizeof out->mattr)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "target 'llvm': -mattr value is too long (%zu "
                       "characters, at most %zu)", n, sizeof out->mattr - 1);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j] != ',') j++;
        const char *f = v + i;
        size_t fn = j - i;
        if (fn < 2 || (f[0] != '+' && f[0] != '-') || !valid_name(f + 1, fn - 1))
            return err_set(TVM_ERR_INVALID_ARGUMENT,
                           "target 'llvm': bad -mattr feature '%.*s' (expected +name or -name)",
                           (int)fn, f);
#if defined(__x86_64__)
        if (!in_list(x86_features, f + 1, fn - 1))
            return err_set(TVM_ERR_INVALID_ARGUMENT,
                           "target 'llvm': unknown -mattr feature '%.*s'", (int)fn, f);
        if (f[0] == '-' && in_list(x86_required, f + 1, fn - 1))
            return err_set(TVM_ERR_UNSUPPORTED,
                           "target 'llvm': -mattr feature '%.*s' cannot be disabled on x86-64",
                           (int)fn, f);
#endif
        i = j + 1;
        if (j + 1 == n)
            return err_set(TVM_ERR_INVALID_ARGUMENT,
                           "target 'llvm': -mattr value ends with ','");
    }
    memcpy(out->mattr, v, n);
    out->mattr[n] = '\0';
    return TVM_OK;
}

static tvm_status parse_mtriple(const char *v, size_t n) {
    if (n == 0)
        return err_set(TVM_ERR_INVALID_ARGUMENT, "target 'llvm': -mtriple needs a value");
    if (n >= 128)
        return err_set(TVM_ERR_INVALID_ARGUMENT,
                       "target 'llvm': -mtriple value is too long (%zu characters)", n);
    char t[128];
    memcpy(t, v, n);
    t[n] = '\0';
    if (!valid_name(t, n))
        return err_set(TVM_ERR_INVALID_ARGUMENT, "target 'llvm': bad -mtriple '%s'", t);
    if (!triple_is_host(t))
        return err_set(TVM_ERR_UNSUPPORTED,
                       "target 'llvm': -mtriple=%s is not the host; cross-compilation is not "
                       "supported by this build", t);
    return TVM_OK;
}

tvm_status be_parse_target(const char *s, be_target *out) {
    if (!out) return err_set(TVM_ERR_INVALID_ARGUMENT, "be_parse_target: NULL out");
    be_target t;
    memset(&t, 0, sizeof t);
    if (!s) s = "";
    while (is_space(*s)) s++;
    const char *name = s;
    while (*s && !is_space(*s)) s++;
    size_t nlen = (size_t)(s - name);

    if (nlen == 0 || (nlen == 4 && memcmp(name, "llvm", 4) == 0)) {
        strcpy(t.name, "llvm");
    } else if (nlen == 6 && memcmp(name, "interp", 6) == 0) {
        strcpy(t.name, "interp");
    } else {
        return err_set(TVM_ERR_UNSUPPORTED, "target '%.*s' is not supported by this build",
                       (int)(nlen > 64 ? 64 : nlen), name);
    }

    bool seen_cpu = false, seen_attr = false, seen_triple = false;
    for (;;) {
        while (is_space(*s)) s++;
        if (!*s) break;
        const char *opt = s;
        while (*s && !is_space(*s)) s++;
        size_t olen = (size_t)(s - opt);
        const char *eq = memchr(opt, '=', olen);
        size_t klen = eq ? (size_t)(eq - opt) : olen;
        const char *val = eq ? eq + 1 : NULL;
        size_t vlen = eq ? olen - klen - 1 : 0;
        bool is_llvm = strcmp(t.name, "llvm") == 0;
        bool *seen = NULL;
        tvm_status st = TVM_OK;
        if (is_llvm && eq && klen == 5 && memcmp(opt, "-mcpu", 5) == 0) {
            seen = &seen_cpu;
            if (!*seen) st = parse_mcpu(val, vlen, &t);
        } else if (is_llvm && eq && klen == 6 && memcmp(opt, "-mattr", 6) == 0) {
            seen = &seen_attr;
            if (!*seen) st = parse_mattr(val, vlen, &t);
        } else if (is_llvm && eq && klen == 8 && memcmp(opt, "-mtriple", 8) == 0) {
            seen = &seen_triple;
            if (!*seen) st = parse_mtriple(val, vlen);
        } else {
            return err_set(TVM_ERR_INVALID_ARGUMENT, "target '%s': unknown option '%.*s'",
                           t.name, (int)(olen > 64 ? 64 : olen), opt);
        }
        if (*seen)
            return err_set(TVM_ERR_INVALID_ARGUMENT, "target '%s': option '%.*s' given twice",
                           t.name, (int)klen, opt);
        if (st != TVM_OK) return st;
        *seen = true;
    }
    *out = t;
    return TVM_OK;
}

/* Whether feature list s ("+avx2,-avx512f") switches feature f on (1), off
 * (-1) or does not name it (0); the last mention wins. */
static int feature_switch(const char *s, const char *f) {
    int r = 0;
    size_t n = strlen(f);
    for (const char *q = s; (q = strstr(q, f)) != NULL; q += n) {
        bool whole = (q[n] == ',' || q[n] == '\0' || q[n] == ' ');
        if (whole && q > s && (q[-1] == '+' || q[-1] == '-')) r = q[-1] == '+' ? 1 : -1;
    }
    return r;
}

int be_vector_bytes(const be_target *t) {
    if (strcmp(t->name, "llvm") != 0) return 0; /* the interpreter runs scalars */
    int bytes = 16;                             /* SSE2 / NEON: the x86-64 and AArch64 base */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (!t->mcpu[0]) { /* the host CPU */
        __builtin_cpu_init();
        if (__builtin_cpu_supports("avx2")) bytes = 32;
        if (__builtin_cpu_supports("avx512f")) bytes = 64;
    }
    /* a named CPU without -mattr keeps the base: a narrower block is slower
     * there but never wrong */
    int a2 = feature_switch(t->mattr, "avx2"), a5 = feature_switch(t->mattr, "avx512f");
    if (a2 > 0 && bytes < 32) bytes = 32;
    if (a5 > 0) bytes = 64;
    if (a5 < 0 && bytes > 32) bytes = 32;
    if (a2 < 0 && bytes > 16) bytes = 16;
#endif
    return bytes;
}
