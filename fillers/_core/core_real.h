/* Boost 1.74's distributions and Caffe's fill loops for one RealType (included by core.c
 * with REAL = float or double, SUFFIX adding _f32 or _f64, REAL_EXP = expf or exp as
 * `using std::exp; exp(x)` resolves for that type, REAL_SQRT, REAL_LOG, REAL_SIN, REAL_COS
 * likewise (the last three the C library's own), PAIR_RAWS = raw outputs per int/float
 * pair). Boost's code is followed line by line; the comments name its source. Older eras'
 * code (Boost 1.54's Box-Muller, 1.56-1.63's tail) follows the 1.74 code. The header undefines
 * its parameters at the end, ready for the next precision. */

#if PAIR_RAWS == 1
typedef uint32_t SUFFIX(mantissa_t);
#define DIGITS 24
#else
typedef uint64_t SUFFIX(mantissa_t);
#define DIGITS 53
#endif

/* The fast path of the normal ziggurat, per 8-bit bucket i (layer k = i >> 1, sign from the
 * low bit), read off Boost's own test. An int/float pair is r = N * 2^-DIGITS for an integer
 * mantissa N, and Boost's x = r * REAL(tx[k]) equals REAL(N) * (REAL(tx[k]) * 2^-DIGITS)
 * exactly (scaling by a power of two commutes with rounding), which grows with N; so its
 * test `x < tx[k + 1]` is `N < normal_limit[i]`, and the sample x * sign is
 * REAL(N) * normal_scale[i]. */
static REAL SUFFIX(normal_xr)[129];
static REAL SUFFIX(normal_scale)[256];
static SUFFIX(mantissa_t) SUFFIX(normal_limit)[256];

static void SUFFIX(prepare_tables)(void) {
    const REAL ulp = (REAL)1 / (REAL)((uint64_t)1 << DIGITS);
    for (int k = 0; k < 129; k++) SUFFIX(normal_xr)[k] = (REAL)normal_x[k];
    for (int i = 0; i < 256; i++) {
        int k = i >> 1, sign = (i & 1) * 2 - 1;
        REAL layer_x = (REAL)normal_x[k];
        SUFFIX(normal_scale)[i] = layer_x * ulp * (REAL)sign;
        /* The first N that fails the test (2^DIGITS if none does). */
        uint64_t lo = 0, hi = (uint64_t)1 << DIGITS;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            REAL x = (REAL)mid * ulp * layer_x;
            if ((double)x < normal_x[k + 1])
                lo = mid + 1;
            else
                hi = mid;
        }
        SUFFIX(normal_limit)[i] = (SUFFIX(mantissa_t))lo;
    }
}

/* boost/random/detail/int_float_pair.hpp: generate_int_float_pair<REAL, 8>. One raw output
 * for float: bucket = u & 0xFF, r = REAL(u >> 8) * 2^-24. Two for double: the second adds
 * its low 29 bits above the first's 24, r = (r1 + (u2 & (2^29 - 1))) * 2^-29. */
static inline int SUFFIX(int_float_pair)(eng_t *e, REAL *r) {
    uint32_t u = eng_next(e);
    int bucket = (int)(u & 0xFFu);
    REAL value = (REAL)(u >> 8) * ((REAL)1 / (REAL)16777216.0);
#if PAIR_RAWS == 2
    uint32_t u2 = eng_next(e);
    value += (REAL)(u2 & 0x1FFFFFFFu);
    value *= (REAL)0.5 / (REAL)268435456.0;
#endif
    *r = value;
    return bucket;
}

/* boost/random/uniform_01.hpp (new_uniform_01 for an integral engine): REAL(u) * 2^-32,
 * drawn again while it rounds to 1. */
static inline REAL SUFFIX(uniform_01)(eng_t *e) {
    const REAL factor = (REAL)1 / ((REAL)4294967295u + (REAL)1);
    for (;;) {
        REAL result = (REAL)eng_next(e) * factor;
        if (result < (REAL)1) return result;
    }
}

/* boost/random/exponential_distribution.hpp: unit_exponential_distribution, a 256-layer
 * ziggurat whose layer 0 restarts with a shift. */
static REAL SUFFIX(unit_exponential)(eng_t *e) {
    const double *tx = exponential_x, *ty = exponential_y;
    REAL shift = 0;
    for (;;) {
        REAL r;
        int i = SUFFIX(int_float_pair)(e, &r);
        REAL x = r * (REAL)tx[i];
        if (x < (REAL)tx[i + 1]) return shift + x;
        if (i == 0) {
            shift += (REAL)tx[1];
        } else {
            REAL y01 = SUFFIX(uniform_01)(e);
            REAL y = (REAL)ty[i] + y01 * (REAL)(ty[i + 1] - ty[i]);
            REAL y_above_ubound = (REAL)(tx[i] - tx[i + 1]) * y01 - ((REAL)tx[i] - x);
            REAL y_above_lbound = y - ((REAL)ty[i + 1] + ((REAL)tx[i + 1] - x) * (REAL)ty[i + 1]);
            if (y_above_ubound < 0 && (y_above_lbound < 0 || y < REAL_EXP(-x))) return x + shift;
        }
    }
}

/* normal_distribution.hpp: unit_normal_distribution::generate_tail, two exponentials. */
static REAL SUFFIX(normal_tail)(eng_t *e) {
    const REAL tail_start = (REAL)normal_x[1];
    for (;;) {
        REAL x = SUFFIX(unit_exponential)(e) / tail_start;
        REAL y = SUFFIX(unit_exponential)(e);
        if (2 * y > x * x) return x + tail_start;
    }
}

/* Boost 1.56-1.63 (era B): exponential_distribution is by inversion,
 * -1 / lambda * log(1 - u) with lambda = 1, i.e. the negated libm log. */
static REAL SUFFIX(inversion_exponential)(eng_t *e) {
    REAL u = SUFFIX(uniform_01)(e);
    return -REAL_LOG((REAL)1 - u);
}

/* Boost 1.56-1.63's generate_tail: the same test as 1.74's, on inversion exponentials. */
static REAL SUFFIX(inversion_tail)(eng_t *e) {
    const REAL tail_start = (REAL)normal_x[1];
    for (;;) {
        REAL x = SUFFIX(inversion_exponential)(e) / tail_start;
        REAL y = SUFFIX(inversion_exponential)(e);
        if (2 * y > x * x) return x + tail_start;
    }
}

/* The rest of one unit_normal_distribution attempt after its fast test failed: the tail
 * (layer 0) or the wedge test. Returns 1 with the sample in *z, or 0 if rejected. Kept out
 * of line so that the fast path stays small. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static int SUFFIX(normal_rare)(eng_t *e, int k, int sign, REAL x, REAL *z, int era) {
    const double *tx = normal_x, *ty = normal_y;
    if (k == 0) {
        *z = (era == FC_ERA_INVERSION_TAIL ? SUFFIX(inversion_tail)(e) : SUFFIX(normal_tail)(e)) * sign;
        return 1;
    }
    REAL y01 = SUFFIX(uniform_01)(e);
    REAL y = (REAL)ty[k] + y01 * (REAL)(ty[k + 1] - ty[k]);
    if (era == FC_ERA_INVERSION_TAIL) {
        /* Boost 1.56-1.63 test y < f(x) = exp(-x*x/2) alone; the bounds below only spare
         * calls to exp, so both give the same answer. */
        if (y < REAL_EXP(-x * x / 2)) {
            *z = x * sign;
            return 1;
        }
        return 0;
    }
    REAL y_above_ubound, y_above_lbound;
    if (tx[k] >= 1) { /* convex, including the inflection layer */
        y_above_ubound = (REAL)(tx[k] - tx[k + 1]) * y01 - ((REAL)tx[k] - x);
        y_above_lbound = y - ((REAL)ty[k] + ((REAL)tx[k] - x) * (REAL)ty[k] * (REAL)tx[k]);
    } else { /* concave */
        y_above_lbound = (REAL)(tx[k] - tx[k + 1]) * y01 - ((REAL)tx[k] - x);
        y_above_ubound = y - ((REAL)ty[k] + ((REAL)tx[k] - x) * (REAL)ty[k] * (REAL)tx[k]);
    }
    if (y_above_ubound < 0 && (y_above_lbound < 0 || y < REAL_EXP(-(x * x / 2)))) {
        *z = x * sign;
        return 1;
    }
    return 0;
}

/* One unit normal: unit_normal_distribution::operator(), the fast test inline. */
static inline REAL SUFFIX(unit_normal)(eng_t *e, int era) {
    for (;;) {
        REAL r, z;
        int i = SUFFIX(int_float_pair)(e, &r);
        int sign = (i & 1) * 2 - 1;
        i = i >> 1;
        REAL x = r * SUFFIX(normal_xr)[i];
        /* Boost compares the REAL sample with the double table entry. */
        if ((double)x < normal_x[i + 1]) return x * sign;
        if (SUFFIX(normal_rare)(e, i, sign, x, &z, era)) return z;
    }
}

/* Boost 1.54's normal_distribution (era A), one object for all n draws as
 * caffe_rng_gaussian makes it: Box-Muller on a cached pair. Each pair draws r1 then r2 from
 * uniform_01; rho = sqrt(-2 * log(1 - r2)); it returns rho * cos(2 pi r1) and then
 * rho * sin(2 pi r1), each * sigma + mean. An odd n draws a last pair and drops its sine.
 * A caller splitting a fill into several calls must split at even counts. */
static void SUFFIX(box_muller)(eng_t *e, REAL *out, int64_t n, REAL mean, REAL sigma) {
    const REAL pi = (REAL)3.14159265358979323846;
    for (int64_t j = 0; j < n; j += 2) {
        REAL r1 = SUFFIX(uniform_01)(e);
        REAL r2 = SUFFIX(uniform_01)(e);
        REAL rho = REAL_SQRT(-(REAL)2 * REAL_LOG((REAL)1 - r2));
        out[j] = rho * REAL_COS((REAL)2 * pi * r1) * sigma + mean;
        if (j + 1 < n) out[j + 1] = rho * REAL_SIN((REAL)2 * pi * r1) * sigma + mean;
    }
}

/* caffe_rng_gaussian: n draws of normal_distribution<REAL>(mean, sigma), each
 * z * sigma + mean, by the era's algorithm (Box-Muller for era A, the ziggurat otherwise).
 *
 * The state's words are tempered a block at a time (a loop the compiler vectorizes), and the
 * attempts accepted at once are read straight off the block; any other attempt is finished
 * by Boost's code, drawing on from the engine, and the block is used on from where that
 * attempt ended. */
FC_EXPORT FC_VECTOR_LOOP int SUFFIX(fc_normal)(void *state, REAL *out, int64_t n, REAL mean, REAL sigma, int era) {
    if (era != FC_ERA_ZIGGURAT_174 && era != FC_ERA_INVERSION_TAIL && era != FC_ERA_BOX_MULLER)
        return FC_UNKNOWN_ERA;
    if (era == FC_ERA_BOX_MULLER) {
        eng_t e = eng_open(state);
        SUFFIX(box_muller)(&e, out, n, mean, sigma);
        eng_close(state, &e);
        return FC_OK;
    }
    const REAL *scale = SUFFIX(normal_scale);
    const SUFFIX(mantissa_t) *limit = SUFFIX(normal_limit);
    uint32_t words[MT_N];
    eng_t e = eng_open(state);
    int64_t filled = 0;
    while (filled < n) {
        int start = MT_N - eng_ready(&e);
        for (int j = start; j < MT_N; j++) words[j] = mt_temper(e.key[j]);
        unsigned block_twists = e.twists;
        int j = start;
        while (filled < n && j + PAIR_RAWS <= MT_N) {
            uint32_t u = words[j];
            int i = (int)(u & 0xFFu);
#if PAIR_RAWS == 1
            SUFFIX(mantissa_t) mantissa = u >> 8;
#else
            SUFFIX(mantissa_t) mantissa = ((uint64_t)(words[j + 1] & 0x1FFFFFFFu) << 24) | (u >> 8);
#endif
            if (mantissa < limit[i]) {
                out[filled++] = (REAL)mantissa * scale[i] * sigma + mean;
                j += PAIR_RAWS;
                continue;
            }
            /* A rare attempt: Boost's code from its pair on. */
            REAL z;
            unsigned twists = e.twists;
            e.pos = j + PAIR_RAWS;
            int k = i >> 1, sign = (i & 1) * 2 - 1;
            REAL x = ((REAL)mantissa * ((REAL)1 / (REAL)((uint64_t)1 << DIGITS))) * SUFFIX(normal_xr)[k];
            if (SUFFIX(normal_rare)(&e, k, sign, x, &z, era)) out[filled++] = z * sigma + mean;
            if (e.twists != twists) break; /* the block is spent: temper the new one */
            j = e.pos;
        }
        if (e.twists == block_twists) {
            e.pos = j;
            /* A pair cut by the block's end (double): that one attempt the plain way. */
            if (filled < n && j < MT_N) out[filled++] = SUFFIX(unit_normal)(&e, era) * sigma + mean;
        }
    }
    eng_close(state, &e);
    return FC_OK;
}

/* caffe_rng_uniform: n draws of uniform_real_distribution<REAL>(min, max)
 * (boost/random/detail/uniform_real.hpp): u / 2^32 * (max - min) + min, drawn again while it
 * reaches max; a range wider than half the largest REAL is sampled at half scale and doubled.
 * Each draw is one raw output, so a run of the state's words is transformed in a tight loop
 * and the rare redraws are squeezed out afterwards. */
FC_EXPORT FC_VECTOR_LOOP int SUFFIX(fc_uniform)(void *state, REAL *out, int64_t n, REAL min_value, REAL max_value) {
    const REAL huge = (REAL)(sizeof(REAL) == 4 ? FLT_MAX : DBL_MAX);
    int doubled = max_value / 2 - min_value / 2 > huge / 2;
    if (doubled) {
        min_value = (REAL)(min_value / 2);
        max_value = (REAL)(max_value / 2);
    }
    const REAL divisor = (REAL)4294967295u + 1;
    const REAL lo = min_value, hi = max_value;
    eng_t e = eng_open(state);
    int64_t filled = 0;
    while (filled < n) {
        const uint32_t *key;
        int k = eng_take(&e, n - filled, &key);
        REAL *dst = out + filled;
        int rejected = 0;
        for (int j = 0; j < k; j++) {
            REAL result = (REAL)mt_temper(key[j]) / divisor * (hi - lo) + lo;
            dst[j] = result;
            rejected |= !(result < hi);
        }
        int kept = k;
        if (rejected) {
            kept = 0;
            for (int j = 0; j < k; j++)
                if (dst[j] < hi) dst[kept++] = dst[j];
        }
        if (doubled)
            for (int j = 0; j < kept; j++) dst[j] = 2 * dst[j];
        filled += kept;
    }
    eng_close(state, &e);
    return FC_OK;
}

/* caffe_rng_bernoulli: n draws of bernoulli_distribution<REAL>(p) into bytes 0/1:
 * REAL(u) <= p * REAL(2^32 - 1); p == 0 gives false without drawing. */
FC_EXPORT FC_VECTOR_LOOP int SUFFIX(fc_bernoulli)(void *state, uint8_t *out, int64_t n, REAL p) {
    if (p == (REAL)0) {
        memset(out, 0, (size_t)n);
        return FC_OK;
    }
    const REAL threshold = p * (REAL)4294967295u;
    eng_t e = eng_open(state);
    int64_t done = 0;
    while (done < n) {
        const uint32_t *key;
        int k = eng_take(&e, n - done, &key);
        for (int j = 0; j < k; j++) out[done + j] = (REAL)mt_temper(key[j]) <= threshold;
        done += k;
    }
    eng_close(state, &e);
    return FC_OK;
}

/* GaussianFiller's sparse step: draw the bernoulli(p) mask and multiply each element by its
 * 0/1 value in place (data[i] *= mask[i], so a dropped negative becomes -0.0). */
FC_EXPORT FC_VECTOR_LOOP int SUFFIX(fc_bernoulli_mask)(void *state, REAL *data, int64_t n, REAL p) {
    if (p == (REAL)0) {
        for (int64_t i = 0; i < n; i++) data[i] *= (REAL)0;
        return FC_OK;
    }
    const REAL threshold = p * (REAL)4294967295u;
    eng_t e = eng_open(state);
    int64_t done = 0;
    while (done < n) {
        const uint32_t *key;
        int k = eng_take(&e, n - done, &key);
        REAL *dst = data + done;
        for (int j = 0; j < k; j++) dst[j] *= (REAL)((REAL)mt_temper(key[j]) <= threshold);
        done += k;
    }
    eng_close(state, &e);
    return FC_OK;
}

/* The sparse mask over a numpy Generator's uniforms: data[i] *= (u[i] < p), in REAL. */
FC_EXPORT FC_VECTOR_LOOP void SUFFIX(fc_mask_below)(REAL *data, const REAL *u, int64_t n, REAL p) {
    for (int64_t i = 0; i < n; i++) {
        REAL keep = u[i] < p ? (REAL)1 : (REAL)0; /* (a select: GCC vectorizes it, not the cast) */
        data[i] = data[i] * keep;
    }
}

/* PositiveUnitballFiller's step after the uniform draw: each row of `dim` elements divided
 * by its sum, the sum accumulated left to right in REAL. Draws nothing. Four rows are summed
 * side by side: each sum keeps Caffe's order, and the four chains of additions overlap. */
FC_EXPORT FC_VECTOR_LOOP void SUFFIX(fc_normalize_rows)(REAL *data, int64_t rows, int64_t dim) {
    int64_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        REAL *r0 = data + i * dim, *r1 = r0 + dim, *r2 = r1 + dim, *r3 = r2 + dim;
        REAL s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (int64_t j = 0; j < dim; j++) {
            s0 += r0[j];
            s1 += r1[j];
            s2 += r2[j];
            s3 += r3[j];
        }
        for (int64_t j = 0; j < dim; j++) r0[j] /= s0;
        for (int64_t j = 0; j < dim; j++) r1[j] /= s1;
        for (int64_t j = 0; j < dim; j++) r2[j] /= s2;
        for (int64_t j = 0; j < dim; j++) r3[j] /= s3;
    }
    for (; i < rows; i++) {
        REAL *row = data + i * dim;
        REAL sum = 0;
        for (int64_t j = 0; j < dim; j++) sum += row[j];
        for (int64_t j = 0; j < dim; j++) row[j] /= sum;
    }
}

#undef DIGITS
#undef REAL
#undef SUFFIX
#undef REAL_EXP
#undef REAL_SQRT
#undef REAL_LOG
#undef REAL_SIN
#undef REAL_COS
#undef PAIR_RAWS
