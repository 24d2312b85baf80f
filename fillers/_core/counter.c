/* Counter mode in C: Philox4x64-10 words and the draws fillers/draws.py's CounterDraws makes
 * from them, the same bits as the numpy path (tests/test_counter_core.py checks it).
 *
 * Word i of a stream is the (i mod 8)-th 32-bit half (low then high) of Philox4x64-10 at
 * counter (i / 8, 0, 0, 0) under the stream's 128-bit key: numpy's Philox, whose state
 * counter c yields block c + 1. Every expression repeats, operation for operation, the numpy
 * code it mirrors (fillers/boxmuller.py, CounterDraws, UnitToRange); the build's
 * -ffp-contract=off keeps a * b + c from becoming one fused, differently rounded operation.
 */

#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(_WIN32)
#define FC_EXPORT __declspec(dllexport)
#else
#define FC_EXPORT __attribute__((visibility("default")))
#endif

/* ---- Philox4x64-10 (Salmon et al. 2011; Random123's constants, as numpy's philox.h) ---- */

#if defined(__SIZEOF_INT128__)
static inline uint64_t mulhilo64(uint64_t a, uint64_t b, uint64_t *hi) {
    unsigned __int128 product = (unsigned __int128)a * b;
    *hi = (uint64_t)(product >> 64);
    return (uint64_t)product;
}
#else
static inline uint64_t mulhilo64(uint64_t a, uint64_t b, uint64_t *hi) {
    uint64_t a_lo = a & 0xffffffffu, a_hi = a >> 32, b_lo = b & 0xffffffffu, b_hi = b >> 32;
    uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xffffffffu) + lo_hi;
    *hi = hi_hi + (hi_lo >> 32) + (cross >> 32);
    return (cross << 32) | (lo_lo & 0xffffffffu);
}
#endif

/* Blocks first .. first + count - 1 into out[4 * count]. (Interleaving several blocks' rounds
 * measured slower: the 64-bit multiplies' fixed registers make x86-64 spill.) */
static void philox_blocks(uint64_t first, int64_t count, const uint64_t key[2], uint64_t *out) {
    int64_t b;
    for (b = 0; b < count; b++) {
        uint64_t c0 = first + (uint64_t)b, c1 = 0, c2 = 0, c3 = 0, k0 = key[0], k1 = key[1];
        int round;
        for (round = 0; round < 10; round++) {
            uint64_t hi0, hi1;
            uint64_t lo0 = mulhilo64(0xD2E7470EE14C6C93ull, c0, &hi0);
            uint64_t lo1 = mulhilo64(0xCA5A826395121157ull, c2, &hi1);
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += 0x9E3779B97F4A7C15ull;
            k1 += 0xBB67AE8584CAA73Bull;
        }
        out[4 * b] = c0;
        out[4 * b + 1] = c1;
        out[4 * b + 2] = c2;
        out[4 * b + 3] = c3;
    }
}

#define BATCH_PAIRS 512
/* Pairs of words (64-bit outputs) per batch: a multiple of 4, plus room for alignment. */

/* The 64-bit outputs first .. first + count - 1 (count <= BATCH_PAIRS); returns a pointer
 * into `buffer` (BATCH_PAIRS + 8 words) at output `first`. */
static const uint64_t *pairs_of_words(const uint64_t key[2], uint64_t first, int64_t count, uint64_t *buffer) {
    uint64_t first_block = first >> 2, last_block = (first + (uint64_t)count - 1) >> 2;
    philox_blocks(first_block, (int64_t)(last_block - first_block + 1), key, buffer);
    return buffer + (first & 3);
}

FC_EXPORT void fc_counter_words(uint64_t key0, uint64_t key1, int64_t start, int64_t n, uint32_t *out) {
    const uint64_t key[2] = {key0, key1};
    uint64_t buffer[BATCH_PAIRS + 8];
    int64_t done = 0;
    while (done < n) {
        uint64_t i = (uint64_t)(start + done), first_pair = i >> 1;
        int64_t words = n - done < 2 * BATCH_PAIRS - 2 ? n - done : 2 * BATCH_PAIRS - 2, k;
        const uint64_t *pairs = pairs_of_words(key, first_pair, (int64_t)(((i + words - 1) >> 1) - first_pair + 1), buffer);
        for (k = 0; k < words; k++) {
            uint64_t word = i + (uint64_t)k;
            uint64_t pair = pairs[(word >> 1) - first_pair];
            out[done + k] = (uint32_t)(word & 1 ? pair >> 32 : pair);
        }
        done += words;
    }
}

/* ---- uniform: CounterDraws.uniform, then UnitToRange ------------------------------------ */

#define FC_COUNTER_UNIFORM(NAME, REAL, SHIFT, UNIT)                                                       \
    FC_EXPORT void NAME(uint64_t key0, uint64_t key1, int64_t start, int64_t n, REAL *out, REAL low,      \
                        REAL span, int doubled) {                                                         \
        uint32_t words[2 * BATCH_PAIRS];                                                                  \
        int64_t done = 0, k;                                                                              \
        while (done < n) {                                                                                \
            int64_t count = n - done < 2 * BATCH_PAIRS - 2 ? n - done : 2 * BATCH_PAIRS - 2;              \
            fc_counter_words(key0, key1, start + done, count, words);                                      \
            for (k = 0; k < count; k++) {                                                                 \
                REAL x = (REAL)(words[k] >> SHIFT);                                                       \
                x = x * UNIT;                                                                             \
                x = x * span;                                                                             \
                x = x + low;                                                                              \
                out[done + k] = doubled ? x * (REAL)2 : x;                                                \
            }                                                                                             \
            done += count;                                                                                \
        }                                                                                                 \
    }

FC_COUNTER_UNIFORM(fc_counter_uniform_f32, float, 8, (1.0f / 16777216.0f))
FC_COUNTER_UNIFORM(fc_counter_uniform_f64, double, 0, (1.0 / 4294967296.0))

/* ---- bernoulli: CounterDraws.bernoulli (word < p * 2**32) -------------------------------- */

FC_EXPORT void fc_counter_bernoulli(uint64_t key0, uint64_t key1, int64_t start, int64_t n, uint8_t *out,
                                    double threshold) {
    uint32_t words[2 * BATCH_PAIRS];
    int64_t done = 0, k;
    while (done < n) {
        int64_t count = n - done < 2 * BATCH_PAIRS - 2 ? n - done : 2 * BATCH_PAIRS - 2;
        fc_counter_words(key0, key1, start + done, count, words);
        for (k = 0; k < count; k++) out[done + k] = (double)words[k] < threshold;
        done += count;
    }
}

/* ---- normal: fillers/boxmuller.py's BoxMuller.pairs, one pair at a time ----------------- */

/* The Box-Muller stages also built for AVX2 (four pairs per instruction, gathers for the
 * lookups), picked at load time where the CPU has it, as core.c does for its uniform loop
 * (vector_loop.h): the same correctly rounded operations, so the same bits. */
#include "vector_loop.h"

#define LOG_CELLS 512
#define ANGLE_BITS 10
#define ANGLE_SHIFT (32 - ANGLE_BITS)
#define ANGLE_LOW_MASK ((1u << ANGLE_SHIFT) - 1u)

static double log_centre[256], inverse_centre[256], ln_centre[256], cos_table[1 << ANGLE_BITS], sin_table[1 << ANGLE_BITS];
static double ln2, radians_per_word;

FC_EXPORT void fc_counter_set_tables(const double *log_centres, const double *inverse_centres,
                                     const double *ln_centres, const double *cosines, const double *sines,
                                     double ln2_value, double radians) {
    int j;
    for (j = 0; j < 256; j++) {
        log_centre[j] = log_centres[j];
        inverse_centre[j] = inverse_centres[j];
        ln_centre[j] = ln_centres[j];
    }
    for (j = 0; j < (1 << ANGLE_BITS); j++) {
        cos_table[j] = cosines[j];
        sin_table[j] = sines[j];
    }
    ln2 = ln2_value;
    radians_per_word = radians;
}

/* The Box-Muller of `count` pairs, z[2k], z[2k + 1] from pairs[k] (w1 low, w2 high), in stages
 * over the batch. Each stage's iterations are independent and short, and the arithmetic
 * stages have no table lookups, so the compiler runs them two pairs per SSE2 instruction (the
 * same correctly rounded operations); the lookups are loops of their own. The build's
 * -fno-math-errno lets the sqrt loop vectorize (its argument is never negative; errno is all
 * that flag changes). */
FC_VECTOR_LOOP static void box_muller(const uint64_t *pairs, int64_t count, double *z) {
    double m[BATCH_PAIRS], r[BATCH_PAIRS], t[BATCH_PAIRS], e[BATCH_PAIRS], c[BATCH_PAIRS], inverse[BATCH_PAIRS];
    int32_t index[BATCH_PAIRS];
    int64_t k;
    /* u1 = (w1 + 1/2) / 2**32 = m 2**(e - 32), m in [1/2, 1): frexp by the bits (exact) */
    for (k = 0; k < count; k++) {
        uint64_t bits;
        double x = (double)(int32_t)((uint32_t)pairs[k] ^ 0x80000000u) + 2147483648.0; /* = (double)w1 */
        x = x + 0.5;
        memcpy(&bits, &x, sizeof bits);
        e[k] = (double)(int32_t)(32 - ((int32_t)(bits >> 52) - 1022));
        bits = (bits & 0x800fffffffffffffull) | 0x3fe0000000000000ull;
        memcpy(&m[k], &bits, sizeof bits);
        x = m[k] * LOG_CELLS;
        x = x - LOG_CELLS / 2;
        index[k] = (int32_t)x; /* x >= 0: truncation is floor */
    }
    for (k = 0; k < count; k++) {
        c[k] = log_centre[index[k]];
        inverse[k] = inverse_centre[index[k]];
        t[k] = ln_centre[index[k]];
    }
    for (k = 0; k < count; k++) {
        /* radius = sqrt(2 ((32 - e) ln 2 - ln c - log1p(r))), r = (m - c) * (1/c) */
        double rk, p;
        rk = m[k] - c[k];
        rk = rk * inverse[k];
        p = rk * (1.0 / 5.0);
        p = p + (-1.0 / 4.0);
        p = p * rk;
        p = p + (1.0 / 3.0);
        p = p * rk;
        p = p + (-1.0 / 2.0);
        p = p * rk;
        p = p + 1.0;
        p = p * rk;
        p = p + t[k];
        rk = e[k] * ln2;
        rk = rk - p;
        rk = rk * 2.0;
        r[k] = sqrt(rk);
    }
    for (k = 0; k < count; k++) {
        /* the residual angle d of theta past its table cell's centre: cos d - 1 and sin d */
        double d, d2, u, v;
        d = (double)(int32_t)((uint32_t)(pairs[k] >> 32) & ANGLE_LOW_MASK) - ((double)(1u << (ANGLE_SHIFT - 1)) - 0.5);
        d = d * radians_per_word;
        d2 = d * d;
        u = d2 * (1.0 / 24.0);
        u = u + (-1.0 / 2.0);
        u = u * d2;
        v = d2 * (1.0 / 120.0);
        v = v + (-1.0 / 6.0);
        v = v * d2;
        v = v * d;
        v = v + d;
        m[k] = u;
        t[k] = v;
    }
    for (k = 0; k < count; k++) {
        uint32_t cell = (uint32_t)(pairs[k] >> 32) >> ANGLE_SHIFT;
        c[k] = cos_table[cell];
        e[k] = sin_table[cell];
    }
    for (k = 0; k < count; k++) {
        /* the table's (cos, sin) rotated by d, scaled by the radius */
        double w, y;
        w = c[k] * m[k];
        w = w + c[k];
        y = e[k] * t[k];
        y = w - y;
        z[2 * k] = y * r[k];
        w = e[k] * m[k];
        w = w + e[k];
        y = c[k] * t[k];
        y = w + y;
        z[2 * k + 1] = y * r[k];
    }
}

/* Elements start .. start + n - 1: element 2j is z0 and 2j + 1 is z1 of pair j (words 2j, 2j + 1,
 * one 64-bit output), rounded to the dtype, then `* sigma + mean` in the dtype. */
#define FC_COUNTER_NORMAL(NAME, REAL)                                                                     \
    FC_EXPORT void NAME(uint64_t key0, uint64_t key1, int64_t start, int64_t n, REAL *out, REAL mean,     \
                        REAL sigma) {                                                                     \
        const uint64_t key[2] = {key0, key1};                                                             \
        uint64_t buffer[BATCH_PAIRS + 8];                                                                 \
        double z[2 * BATCH_PAIRS];                                                                        \
        int64_t done = 0, k;                                                                              \
        while (done < n) {                                                                                \
            uint64_t i = (uint64_t)(start + done), first_pair = i >> 1;                                   \
            int64_t count = n - done < 2 * BATCH_PAIRS - 2 ? n - done : 2 * BATCH_PAIRS - 2;              \
            int64_t pair_count = (int64_t)(((i + (uint64_t)count - 1) >> 1) - first_pair + 1);            \
            const double *first = z + (i & 1);                                                            \
            box_muller(pairs_of_words(key, first_pair, pair_count, buffer), pair_count, z);               \
            for (k = 0; k < count; k++) out[done + k] = (REAL)first[k] * sigma + mean;                    \
            done += count;                                                                                \
        }                                                                                                 \
    }

FC_COUNTER_NORMAL(fc_counter_normal_f32, float)
FC_COUNTER_NORMAL(fc_counter_normal_f64, double)
