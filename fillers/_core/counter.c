/* Counter mode in C (stream version 2): Philox4x32-10 words and the draws CounterDraws makes
 * from them, the same bits as fillers/random/counter_normal.py and fillers/stream/philox.py
 * compute with numpy or jax.numpy
 * (tests/test_counter_core.py and tests/test_counter_kat.py check it).
 *
 * Word i of a stream is word (i mod 4) of Philox4x32-10 (Salmon et al. 2011, Random123's
 * constants) at counter (b mod 2**32, b / 2**32, s2, s3), b = i / 4, under the key (s0, s1):
 * (s0, s1, s2, s3) are the stream's four key words (fillers.counter.CounterRNG.key_words).
 *
 * Every floating-point expression repeats, operation for operation, counter_normal.py's: only
 * IEEE's correctly rounded + - * / and sqrt, conversions of integers below 2**24 (float) or
 * 2**53 (double), which are exact, and selects. The build's -ffp-contract=off keeps a * b + c
 * from becoming one fused, differently rounded operation, so the loops give the same bits
 * whether the compiler runs them one element at a time or 8 or 16 per instruction.
 *
 * Fills of many elements split across threads by ranges of the counter: an element's value
 * depends only on its index, so any split gives the same bits.
 */

#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdint.h>
#include <string.h>

#if !defined(_WIN32)
#include <pthread.h>
#define FC_THREADS 1
#endif

#if defined(_WIN32)
#define FC_EXPORT __declspec(dllexport)
#else
#define FC_EXPORT __attribute__((visibility("default")))
#endif

#include "vector_loop.h"

/* The draws' loops: vector_loop.h's AVX2 variant, and here also an AVX-512 one. The same
 * correctly rounded operations on wider registers, so the same bits. */
#if defined(__x86_64__) && defined(__GLIBC__) && defined(__has_attribute) && !defined(FC_NO_TARGET_CLONES)
#if __has_attribute(target_clones)
#define FC_COUNTER_LOOP __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef FC_COUNTER_LOOP
#define FC_COUNTER_LOOP
#endif

/* ---- Philox4x32-10 --------------------------------------------------------------------- */

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

#define BATCH 64
/* Philox blocks per batch (256 words): the lanes the vector loops run across. */

typedef struct {
    uint32_t key[4];
} stream_t;

typedef struct {
    uint32_t x[4][BATCH];
} words_t;

/* Blocks first .. first + BATCH - 1, lane-major: x[j][l] = word j of block first + l.
 * philox_batch picks, once, the widest of three versions this CPU runs; all compute the same
 * integers. GCC does not vectorize a 32x32 -> 64-bit multiply well by itself (it widens to
 * 64-bit lanes and emulates a 64-bit multiply), so the vector versions say vpmuludq. */
static void counters(uint64_t first, const stream_t *s, words_t *w) {
    int l;
    for (l = 0; l < BATCH; l++) {
        uint64_t b = first + (uint64_t)l;
        w->x[0][l] = (uint32_t)b;
        w->x[1][l] = (uint32_t)(b >> 32);
        w->x[2][l] = s->key[2];
        w->x[3][l] = s->key[3];
    }
}

static void philox_scalar(const stream_t *s, uint64_t first, words_t *w) {
    int l, round;
    counters(first, s, w);
    for (l = 0; l < BATCH; l++) {
        uint32_t c0 = w->x[0][l], c1 = w->x[1][l], c2 = w->x[2][l], c3 = w->x[3][l];
        uint32_t k0 = s->key[0], k1 = s->key[1];
        for (round = 0; round < 10; round++) {
            uint64_t p0 = (uint64_t)PHILOX_M0 * c0, p1 = (uint64_t)PHILOX_M1 * c2;
            c0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
            c1 = (uint32_t)p1;
            c2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
            c3 = (uint32_t)p0;
            k0 += PHILOX_W0;
            k1 += PHILOX_W1;
        }
        w->x[0][l] = c0;
        w->x[1][l] = c1;
        w->x[2][l] = c2;
        w->x[3][l] = c3;
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(FC_NO_TARGET_CLONES)
#include <immintrin.h>
#define FC_X86_VECTOR 1

/* (high, low) halves of a * m in each 32-bit lane: even lanes from one vpmuludq, odd lanes
 * (shifted down) from another, blended back into place. */
#define PHILOX_VECTOR(NAME, TARGET, VEC, LANES, SET1, LOAD, STORE, MUL, SRLI, SLLI, XOR, BLEND)         \
    __attribute__((target(TARGET))) static void NAME(const stream_t *s, uint64_t first, words_t *w) {  \
        int v, round;                                                                                  \
        counters(first, s, w);                                                                         \
        for (v = 0; v < BATCH; v += LANES) {                                                           \
            VEC c0 = LOAD(&w->x[0][v]), c1 = LOAD(&w->x[1][v]), c2 = LOAD(&w->x[2][v]);                \
            VEC c3 = LOAD(&w->x[3][v]), m0 = SET1((int)PHILOX_M0), m1 = SET1((int)PHILOX_M1);          \
            uint32_t k0 = s->key[0], k1 = s->key[1];                                                   \
            for (round = 0; round < 10; round++) {                                                     \
                VEC even0 = MUL(c0, m0), odd0 = MUL(SRLI(c0, 32), m0);                                 \
                VEC even1 = MUL(c2, m1), odd1 = MUL(SRLI(c2, 32), m1);                                 \
                VEC high0 = BLEND(SRLI(even0, 32), odd0), low0 = BLEND(even0, SLLI(odd0, 32));         \
                VEC high1 = BLEND(SRLI(even1, 32), odd1), low1 = BLEND(even1, SLLI(odd1, 32));         \
                c0 = XOR(XOR(high1, c1), SET1((int)k0));                                               \
                c1 = low1;                                                                             \
                c2 = XOR(XOR(high0, c3), SET1((int)k1));                                               \
                c3 = low0;                                                                             \
                k0 += PHILOX_W0;                                                                       \
                k1 += PHILOX_W1;                                                                       \
            }                                                                                          \
            STORE(&w->x[0][v], c0);                                                                    \
            STORE(&w->x[1][v], c1);                                                                    \
            STORE(&w->x[2][v], c2);                                                                    \
            STORE(&w->x[3][v], c3);                                                                    \
        }                                                                                              \
    }

#define LOAD256(p) _mm256_loadu_si256((const __m256i *)(p))
#define STORE256(p, x) _mm256_storeu_si256((__m256i *)(p), x)
#define BLEND256(a, b) _mm256_blend_epi32(a, b, 0xAA)
PHILOX_VECTOR(philox_avx2, "avx2", __m256i, 8, _mm256_set1_epi32, LOAD256, STORE256, _mm256_mul_epu32,
              _mm256_srli_epi64, _mm256_slli_epi64, _mm256_xor_si256, BLEND256)

#define LOAD512(p) _mm512_loadu_si512((const void *)(p))
#define STORE512(p, x) _mm512_storeu_si512((void *)(p), x)
#define BLEND512(a, b) _mm512_mask_blend_epi32((__mmask16)0xAAAA, a, b)
PHILOX_VECTOR(philox_avx512, "avx512f", __m512i, 16, _mm512_set1_epi32, LOAD512, STORE512, _mm512_mul_epu32,
              _mm512_srli_epi64, _mm512_slli_epi64, _mm512_xor_si512, BLEND512)
#endif

typedef void (*philox_fn)(const stream_t *, uint64_t, words_t *);
static philox_fn philox_batch_impl;

static philox_fn pick_philox(void) {
#if defined(FC_X86_VECTOR)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return philox_avx512;
    if (__builtin_cpu_supports("avx2")) return philox_avx2;
#endif
    return philox_scalar;
}

static inline void philox_batch(const stream_t *s, uint64_t first, words_t *w) { philox_batch_impl(s, first, w); }

/* ---- the draws, one batch (4 * BATCH elements, element 4l + j from word x[j][l]) ------- */

typedef struct {
    stream_t stream;
    int kind;
    double a, b; /* uniform: low, span; normal: mean, sigma; bernoulli: threshold */
    int doubled;
} job_t;

enum { KIND_WORDS, KIND_UNIFORM_F32, KIND_UNIFORM_F64, KIND_NORMAL_F32, KIND_NORMAL_F64, KIND_BERNOULLI };

static const size_t item_size[] = {4, 4, 8, 4, 8, 1};

FC_COUNTER_LOOP static void words_batch(const job_t *job, uint64_t first, void *dest) {
    words_t w;
    uint32_t *out = dest;
    int l;
    philox_batch(&job->stream, first, &w);
    for (l = 0; l < BATCH; l++) {
        out[4 * l] = w.x[0][l];
        out[4 * l + 1] = w.x[1][l];
        out[4 * l + 2] = w.x[2][l];
        out[4 * l + 3] = w.x[3][l];
    }
}

/* uniform: float (w >> 8) * 2**-24, double w * 2**-32 (exact), then x * span + low (times 2
 * for a span beyond the float range, halved beforehand: UnitToRange). */
FC_COUNTER_LOOP static void uniform_f32_batch(const job_t *job, uint64_t first, void *dest) {
    words_t w;
    float *out = dest, low = (float)job->a, span = (float)job->b, scale = job->doubled ? 2.0f : 1.0f;
    int l, j;
    philox_batch(&job->stream, first, &w);
    for (l = 0; l < BATCH; l++) {
        for (j = 0; j < 4; j++) {
            float x = (float)(int32_t)(w.x[j][l] >> 8);
            x = x * (1.0f / 16777216.0f);
            x = x * span;
            x = x + low;
            out[4 * l + j] = x * scale;
        }
    }
}

FC_COUNTER_LOOP static void uniform_f64_batch(const job_t *job, uint64_t first, void *dest) {
    words_t w;
    double *out = dest, low = job->a, span = job->b, scale = job->doubled ? 2.0 : 1.0;
    int l, j;
    philox_batch(&job->stream, first, &w);
    for (l = 0; l < BATCH; l++) {
        for (j = 0; j < 4; j++) {
            double x = (double)w.x[j][l];
            x = x * (1.0 / 4294967296.0);
            x = x * span;
            x = x + low;
            out[4 * l + j] = x * scale;
        }
    }
}

/* bernoulli: word < threshold (an integer in [0, 2**32], p * 2**32 rounded up). */
FC_COUNTER_LOOP static void bernoulli_batch(const job_t *job, uint64_t first, void *dest) {
    words_t w;
    uint8_t *out = dest;
    uint64_t threshold = (uint64_t)job->a;
    int l, j;
    philox_batch(&job->stream, first, &w);
    for (l = 0; l < BATCH; l++)
        for (j = 0; j < 4; j++) out[4 * l + j] = (uint64_t)w.x[j][l] < threshold;
}

/* ---- Box-Muller from a pair of words (w1, w2): z0 = r cos(theta), z1 = r sin(theta) ---------
 * r = sqrt(-2 ln u), u = (w1 + 1/2) 2**-32; theta = 2 pi (w2 + 1/2) 2**-32, its octant from
 * w2's top 3 bits. See counter_normal.py for the derivation; the constants come from there
 * (fc_counter_set_constants), so there is one copy of them. */

static float F32[32];
static double F64[40];
/* F32 / F64: ln2_hi, ln2_lo, the angle unit, then the coefficients of the log series, the
 * sine's and the cosine's, each highest power first, at the offsets below. */
#define F32_LOG 3
#define F32_LOG_N 4
#define F32_SIN (F32_LOG + F32_LOG_N)
#define F32_SIN_N 4
#define F32_COS (F32_SIN + F32_SIN_N)
#define F32_COS_N 5
#define F32_COUNT (F32_COS + F32_COS_N)
#define F64_LOG 3
#define F64_LOG_N 10
#define F64_SIN (F64_LOG + F64_LOG_N)
#define F64_SIN_N 7
#define F64_COS (F64_SIN + F64_SIN_N)
#define F64_COS_N 8
#define F64_COUNT (F64_COS + F64_COS_N)

FC_EXPORT int fc_counter_set_constants(const float *f32, int n32, const double *f64, int n64) {
    if (n32 != F32_COUNT || n64 != F64_COUNT) return -1;
    memcpy(F32, f32, sizeof(float) * F32_COUNT);
    memcpy(F64, f64, sizeof(double) * F64_COUNT);
    return 0;
}

static inline void box_muller_f32(uint32_t w1, uint32_t w2, float *z0, float *z1) {
    uint32_t bits, t, octant, position, swap, quadrant;
    int32_t k;
    float x, m, f, s, z, p, l, kf, a, b, r, x2, sn, cs, cv, sv;
    int i;
    /* radius: x = w1 + 1/2 rounded to float; ln x = E ln 2 + log1p(f), x = 2**E (1 + f) */
    x = (float)(int32_t)(w1 >> 8) * 256.0f;
    x = x + ((float)(int32_t)(w1 & 255u) + 0.5f);
    memcpy(&bits, &x, 4);
    t = bits + (0x3f800000u - 0x3f3504f3u);
    k = 32 - ((int32_t)(t >> 23) - 127);
    bits = (t & 0x7fffffu) + 0x3f3504f3u;
    memcpy(&m, &bits, 4);
    f = m - 1.0f;
    s = f / (2.0f + f);
    z = s * s;
    p = z * F32[F32_LOG];
    for (i = 1; i < F32_LOG_N; i++) {
        p = p + F32[F32_LOG + i];
        p = p * z;
    }
    l = s * p;
    l = l + s;
    l = l * 2.0f;
    kf = (float)k;
    a = kf * F32[0];
    b = kf * F32[1];
    b = b - l;
    a = a + b;
    a = a * 2.0f;
    r = sqrtf(a);
    /* angle: octant o = w2 >> 29; x in (0, pi/4) from the next 23 bits, mirrored in odd octants */
    octant = w2 >> 29;
    position = (w2 >> 6) & 0x7fffffu;
    position = (octant & 1u) ? 0x7fffffu - position : position;
    x = (float)(int32_t)position + 0.5f;
    x = x * F32[2];
    x2 = x * x;
    sn = x2 * F32[F32_SIN];
    for (i = 1; i < F32_SIN_N; i++) {
        sn = sn + F32[F32_SIN + i];
        sn = sn * x2;
    }
    sn = sn * x;
    sn = sn + x;
    cs = x2 * F32[F32_COS];
    for (i = 1; i < F32_COS_N; i++) {
        cs = cs + F32[F32_COS + i];
        cs = cs * x2;
    }
    cs = cs + 1.0f;
    quadrant = octant >> 1;
    swap = (octant ^ quadrant) & 1u;
    cv = swap ? sn : cs;
    sv = swap ? cs : sn;
    cv = ((quadrant ^ (quadrant >> 1)) & 1u) ? -cv : cv;
    sv = (quadrant >> 1) ? -sv : sv;
    *z0 = r * cv;
    *z1 = r * sv;
}

static inline void box_muller_f64(uint32_t w1, uint32_t w2, double *z0, double *z1) {
    uint64_t bits, t;
    uint32_t octant, position, swap, quadrant;
    int32_t k;
    double x, m, f, s, z, p, l, kf, a, b, r, x2, sn, cs, cv, sv;
    int i;
    x = (double)w1 + 0.5;
    memcpy(&bits, &x, 8);
    t = bits + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
    k = 32 - ((int32_t)(t >> 52) - 1023);
    bits = (t & 0xfffffffffffffull) + 0x3fe6a09e667f3bcdull;
    memcpy(&m, &bits, 8);
    f = m - 1.0;
    s = f / (2.0 + f);
    z = s * s;
    p = z * F64[F64_LOG];
    for (i = 1; i < F64_LOG_N; i++) {
        p = p + F64[F64_LOG + i];
        p = p * z;
    }
    l = s * p;
    l = l + s;
    l = l * 2.0;
    kf = (double)k;
    a = kf * F64[0];
    b = kf * F64[1];
    b = b - l;
    a = a + b;
    a = a * 2.0;
    r = sqrt(a);
    octant = w2 >> 29;
    position = w2 & 0x1fffffffu;
    position = (octant & 1u) ? 0x1fffffffu - position : position;
    x = (double)(int32_t)position + 0.5;
    x = x * F64[2];
    x2 = x * x;
    sn = x2 * F64[F64_SIN];
    for (i = 1; i < F64_SIN_N; i++) {
        sn = sn + F64[F64_SIN + i];
        sn = sn * x2;
    }
    sn = sn * x;
    sn = sn + x;
    cs = x2 * F64[F64_COS];
    for (i = 1; i < F64_COS_N; i++) {
        cs = cs + F64[F64_COS + i];
        cs = cs * x2;
    }
    cs = cs + 1.0;
    quadrant = octant >> 1;
    swap = (octant ^ quadrant) & 1u;
    cv = swap ? sn : cs;
    sv = swap ? cs : sn;
    cv = ((quadrant ^ (quadrant >> 1)) & 1u) ? -cv : cv;
    sv = (quadrant >> 1) ? -sv : sv;
    *z0 = r * cv;
    *z1 = r * sv;
}

/* normal: elements 2j, 2j + 1 are z0, z1 of words 2j, 2j + 1, then z * sigma + mean. */
FC_COUNTER_LOOP static void normal_f32_batch(const job_t *job, uint64_t first, void *dest) {
    words_t w;
    float *out = dest, mean = (float)job->a, sigma = (float)job->b;
    float z[4][BATCH];
    int l;
    philox_batch(&job->stream, first, &w);
    for (l = 0; l < BATCH; l++) box_muller_f32(w.x[0][l], w.x[1][l], &z[0][l], &z[1][l]);
    for (l = 0; l < BATCH; l++) box_muller_f32(w.x[2][l], w.x[3][l], &z[2][l], &z[3][l]);
    for (l = 0; l < BATCH; l++) {
        int j;
        for (j = 0; j < 4; j++) {
            float v = z[j][l] * sigma;
            out[4 * l + j] = v + mean;
        }
    }
}

FC_COUNTER_LOOP static void normal_f64_batch(const job_t *job, uint64_t first, void *dest) {
    words_t w;
    double *out = dest, mean = job->a, sigma = job->b;
    double z[4][BATCH];
    int l;
    philox_batch(&job->stream, first, &w);
    for (l = 0; l < BATCH; l++) box_muller_f64(w.x[0][l], w.x[1][l], &z[0][l], &z[1][l]);
    for (l = 0; l < BATCH; l++) box_muller_f64(w.x[2][l], w.x[3][l], &z[2][l], &z[3][l]);
    for (l = 0; l < BATCH; l++) {
        int j;
        for (j = 0; j < 4; j++) {
            double v = z[j][l] * sigma;
            out[4 * l + j] = v + mean;
        }
    }
}

typedef void (*batch_fn)(const job_t *, uint64_t, void *);
static const batch_fn batches[] = {words_batch,  uniform_f32_batch, uniform_f64_batch,
                                   normal_f32_batch, normal_f64_batch,  bernoulli_batch};

/* ---- elements start .. start + n - 1 of a job, one thread ------------------------------ */

#define BATCH_WORDS (4 * BATCH)

static void run_range(const job_t *job, uint64_t start, int64_t n, unsigned char *out) {
    batch_fn batch = batches[job->kind];
    size_t size = item_size[job->kind];
    double scratch[BATCH_WORDS]; /* room for a batch of the widest item */
    int64_t done = 0;
    while (done < n) {
        uint64_t i = start + (uint64_t)done, skip = i % BATCH_WORDS;
        int64_t count = n - done;
        if (skip == 0 && count >= BATCH_WORDS) {
            /* whole batches straight into the output */
            int64_t whole = count / BATCH_WORDS, b;
            for (b = 0; b < whole; b++)
                batch(job, i / 4 + (uint64_t)b * BATCH, out + (size_t)(done + b * BATCH_WORDS) * size);
            done += whole * BATCH_WORDS;
            continue;
        }
        if (count > (int64_t)(BATCH_WORDS - skip)) count = (int64_t)(BATCH_WORDS - skip);
        batch(job, (i - skip) / 4, scratch);
        memcpy(out + (size_t)done * size, (unsigned char *)scratch + skip * size, (size_t)count * size);
        done += count;
    }
}

/* ---- the split across threads ---------------------------------------------------------- */

typedef struct {
    const job_t *job;
    uint64_t start;
    int64_t n;
    unsigned char *out;
} part_t;

#if defined(FC_THREADS)
static void *run_part(void *arg) {
    part_t *part = arg;
    run_range(part->job, part->start, part->n, part->out);
    return NULL;
}
#endif

#define MAX_THREADS 256

/* Parts end on batch boundaries (counted from element 0 of the stream), so each thread
 * writes whole batches; a thread that cannot start leaves its part to this one. */
static void run(const job_t *job, int64_t start, int64_t n, void *out, int threads) {
    size_t size = item_size[job->kind];
    if (!philox_batch_impl) philox_batch_impl = pick_philox(); /* a race writes the same value */
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (threads < 1 || n < 2 * BATCH_WORDS) threads = 1;
#if defined(FC_THREADS)
    if (threads > 1) {
        pthread_t ids[MAX_THREADS];
        int started[MAX_THREADS];
        part_t parts[MAX_THREADS];
        uint64_t first = (uint64_t)start, end = first + (uint64_t)n;
        uint64_t per = ((uint64_t)n / (uint64_t)threads + BATCH_WORDS - 1) / BATCH_WORDS * BATCH_WORDS;
        uint64_t at = first;
        int t;
        for (t = 0; t < threads; t++) {
            uint64_t stop = t == threads - 1 ? end : (first + per * (uint64_t)(t + 1)) / BATCH_WORDS * BATCH_WORDS;
            if (stop > end) stop = end;
            if (stop < at) stop = at;
            parts[t].job = job;
            parts[t].start = at;
            parts[t].n = (int64_t)(stop - at);
            parts[t].out = (unsigned char *)out + (size_t)(at - first) * size;
            at = stop;
        }
        for (t = 1; t < threads; t++) started[t] = pthread_create(&ids[t], NULL, run_part, &parts[t]) == 0;
        run_range(job, parts[0].start, parts[0].n, parts[0].out);
        for (t = 1; t < threads; t++) {
            if (started[t])
                pthread_join(ids[t], NULL);
            else
                run_range(job, parts[t].start, parts[t].n, parts[t].out);
        }
        return;
    }
#endif
    run_range(job, (uint64_t)start, n, out);
}

/* ---- entry points: the stream's 4 key words, first element, count, output, parameters,
 * threads ------------------------------------------------------------------------------ */

static job_t make_job(uint32_t s0, uint32_t s1, uint32_t s2, uint32_t s3, int kind) {
    job_t job;
    memset(&job, 0, sizeof job);
    job.stream.key[0] = s0;
    job.stream.key[1] = s1;
    job.stream.key[2] = s2;
    job.stream.key[3] = s3;
    job.kind = kind;
    return job;
}

FC_EXPORT void fc_counter_words(uint32_t s0, uint32_t s1, uint32_t s2, uint32_t s3, int64_t start, int64_t n,
                                uint32_t *out, int threads) {
    job_t job = make_job(s0, s1, s2, s3, KIND_WORDS);
    run(&job, start, n, out, threads);
}

FC_EXPORT void fc_counter_uniform(uint32_t s0, uint32_t s1, uint32_t s2, uint32_t s3, int64_t start, int64_t n,
                                  void *out, int dtype_bytes, double low, double span, int doubled, int threads) {
    job_t job = make_job(s0, s1, s2, s3, dtype_bytes == 4 ? KIND_UNIFORM_F32 : KIND_UNIFORM_F64);
    job.a = low;
    job.b = span;
    job.doubled = doubled;
    run(&job, start, n, out, threads);
}

FC_EXPORT void fc_counter_normal(uint32_t s0, uint32_t s1, uint32_t s2, uint32_t s3, int64_t start, int64_t n,
                                 void *out, int dtype_bytes, double mean, double sigma, int threads) {
    job_t job = make_job(s0, s1, s2, s3, dtype_bytes == 4 ? KIND_NORMAL_F32 : KIND_NORMAL_F64);
    job.a = mean;
    job.b = sigma;
    run(&job, start, n, out, threads);
}

FC_EXPORT void fc_counter_bernoulli(uint32_t s0, uint32_t s1, uint32_t s2, uint32_t s3, int64_t start, int64_t n,
                                    uint8_t *out, uint64_t threshold, int threads) {
    job_t job = make_job(s0, s1, s2, s3, KIND_BERNOULLI);
    job.a = (double)threshold;
    run(&job, start, n, out, threads);
}
