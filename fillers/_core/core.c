/* fillers' compiled core: Caffe's random fills (BVLC master + Boost 1.74), bit for bit.
 *
 * Plain C99, no Python headers: the library is loaded with ctypes, so one build serves
 * every Python version. The engine state is numpy's own MT19937 state (the struct behind
 * `MT19937.ctypes.state_address`: 624 key words, then the int position), read and advanced
 * in place, so that `CaffeRNG.random_raw`, this core and the numpy fallback draw from one
 * stream.
 *
 * Floating point must round exactly as Caffe's build did (GCC, x86-64 SSE, no FMA): the
 * build pins -ffp-contract=off (no fused multiply-add, whatever -march says), SSE math on
 * 32-bit x86 and /fp:precise on MSVC. Every expression below follows Boost's source in its
 * order of operations and its conversions; do not "simplify" them.
 *
 * The distribution code for float and double is in core_real.h, included twice.
 *
 * Eras: the normal distribution has changed across Boost releases. Every normal entry point
 * takes an `era` argument: FC_ERA_ZIGGURAT_174 (Boost 1.64-1.74, profile era C),
 * FC_ERA_INVERSION_TAIL (1.56-1.63, era B: the same ziggurat, its tail by inversion
 * exponentials, no squeeze bounds in the wedge test) or FC_ERA_BOX_MULLER (1.54-1.55, era A).
 * An unknown era returns FC_UNKNOWN_ERA without drawing. Eras A and B put libm's log, sin
 * and cos into samples: they call the C library's own functions, as Caffe did (see below).
 */

#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(_WIN32)
#define FC_EXPORT __declspec(dllexport)
#else
#define FC_EXPORT __attribute__((visibility("default")))
#endif

/* The fill loops are also built for AVX2 (vector_loop.h), the twist inlined into each:
 * twisting and tempering 8 words at a time halves the uniform's time. */
#include "vector_loop.h"

#if defined(__GNUC__)
#define FC_INLINE static inline __attribute__((always_inline))
#else
#define FC_INLINE static inline
#endif

#define FC_ABI_VERSION 3
#define FC_OK 0
#define FC_UNKNOWN_ERA (-1)
#define FC_ERA_ZIGGURAT_174 0
#define FC_ERA_INVERSION_TAIL 1
#define FC_ERA_BOX_MULLER 2

/* libm as Caffe called it. Through volatile pointers, so that the compiler neither folds a
 * sin and a cos of one argument into sincos nor substitutes anything else for the call: the
 * bits must be the C library's logf/sinf/cosf (float) and log/sin/cos (double). */
static float (*volatile libm_logf)(float) = logf;
static float (*volatile libm_sinf)(float) = sinf;
static float (*volatile libm_cosf)(float) = cosf;
static double (*volatile libm_log)(double) = log;
static double (*volatile libm_sin)(double) = sin;
static double (*volatile libm_cos)(double) = cos;

/* ---- the engine: mt19937, on numpy's state struct ---------------------------------- */

#define MT_N 624
#define MT_M 397

typedef struct {
    uint32_t key[MT_N];
    int pos;
} fc_mt19937;

/* Regenerate all 624 words at once, as numpy's mt19937_gen and Boost's twist do. */
FC_INLINE void mt_twist(uint32_t *mt) {
    const uint32_t upper = 0x80000000u, lower = 0x7fffffffu, matrix = 0x9908b0dfu;
    int i;
    uint32_t y;
    for (i = 0; i < MT_N - MT_M; i++) {
        y = (mt[i] & upper) | (mt[i + 1] & lower);
        mt[i] = mt[i + MT_M] ^ (y >> 1) ^ ((0u - (y & 1u)) & matrix);
    }
    for (; i < MT_N - 1; i++) {
        y = (mt[i] & upper) | (mt[i + 1] & lower);
        mt[i] = mt[i + (MT_M - MT_N)] ^ (y >> 1) ^ ((0u - (y & 1u)) & matrix);
    }
    y = (mt[MT_N - 1] & upper) | (mt[0] & lower);
    mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ ((0u - (y & 1u)) & matrix);
}

static inline uint32_t mt_temper(uint32_t y) {
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= (y >> 18);
    return y;
}

/* A local cursor over the state: the position stays in a register during a fill and is
 * written back once at the end (`eng_close`). */
typedef struct {
    uint32_t *key;
    int pos;
    unsigned twists; /* how many times this cursor has twisted the state */
} eng_t;

static inline eng_t eng_open(void *state) {
    eng_t e;
    e.key = ((fc_mt19937 *)state)->key;
    e.pos = ((fc_mt19937 *)state)->pos;
    e.twists = 0;
    return e;
}

static inline void eng_close(void *state, const eng_t *e) { ((fc_mt19937 *)state)->pos = e->pos; }

/* Boost's eng(): the next raw 32-bit output. */
static inline uint32_t eng_next(eng_t *e) {
    if (e->pos >= MT_N) {
        mt_twist(e->key);
        e->pos = 0;
        e->twists++;
    }
    return mt_temper(e->key[e->pos++]);
}

/* The outputs left before the next twist, twisting first if there are none. */
static inline int eng_ready(eng_t *e) {
    if (e->pos >= MT_N) {
        mt_twist(e->key);
        e->pos = 0;
        e->twists++;
    }
    return MT_N - e->pos;
}

/* The next run of raw outputs, untempered, up to `left` and never across a twist: *key points
 * at them, and the engine counts them drawn. The block loops temper them in one tight pass. */
static inline int eng_take(eng_t *e, int64_t left, const uint32_t **key) {
    int k = eng_ready(e);
    if ((int64_t)k > left) k = (int)left;
    *key = e->key + e->pos;
    e->pos += k;
    return k;
}

FC_EXPORT int fc_abi_version(void) { return FC_ABI_VERSION; }

/* The next n raw outputs (what MT19937.random_raw gives), as uint32. */
FC_EXPORT FC_VECTOR_LOOP void fc_raw(void *state, uint32_t *out, int64_t n) {
    eng_t e = eng_open(state);
    int64_t done = 0;
    while (done < n) {
        const uint32_t *key;
        int k = eng_take(&e, n - done, &key);
        for (int j = 0; j < k; j++) out[done + j] = mt_temper(key[j]);
        done += k;
    }
    eng_close(state, &e);
}

/* ---- Boost's ziggurat tables, handed in once by the loader from fillers/_tables.py ---- */

static double normal_x[129], normal_y[129], exponential_x[257], exponential_y[257];

/* ---- float and double ---------------------------------------------------------------- */

#define REAL float
#define SUFFIX(name) name##_f32
#define REAL_EXP expf
#define REAL_SQRT sqrtf
#define REAL_LOG libm_logf
#define REAL_SIN libm_sinf
#define REAL_COS libm_cosf
#define PAIR_RAWS 1
#include "core_real.h"

#define REAL double
#define SUFFIX(name) name##_f64
#define REAL_EXP exp
#define REAL_SQRT sqrt
#define REAL_LOG libm_log
#define REAL_SIN libm_sin
#define REAL_COS libm_cos
#define PAIR_RAWS 2
#include "core_real.h"

FC_EXPORT void fc_set_tables(const double *nx, const double *ny, const double *ex, const double *ey) {
    memcpy(normal_x, nx, sizeof normal_x);
    memcpy(normal_y, ny, sizeof normal_y);
    memcpy(exponential_x, ex, sizeof exponential_x);
    memcpy(exponential_y, ey, sizeof exponential_y);
    prepare_tables_f32();
    prepare_tables_f64();
}
