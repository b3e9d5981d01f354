/* Fused causal self-attention for the CPU forward of StructPrune-TS (src/model/attentionFused.ts).
 * One call per layer for all heads: scores q_h k_hᵀ (q already scaled), causal mask (j ≤ i only), softmax,
 * × v_h. Layout (row-major float32): q [T, nH·dh], k and v [T, nKv·dh], out [T, nH·dh]; query head h reads
 * kv head kvOf[h] (GQA). Mirrors the tfjs path: max-subtracted exp, sum, then probabilities × v.
 * scratch: at least (2·dh + 1)·Tp floats, Tp = T rounded up to 16, zero-filled (per-head transposed K and V,
 * one score row).
 * Built by scripts/setup-blas.sh --native (cc -O3 -fopenmp-simd -shared -fPIC; the simd pragmas only let the
 * compiler vectorise the sums, no OpenMP runtime is used); optional: the project falls back to the
 * same algorithm in TypeScript when this library is missing. */
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>

/* exp(x) for x ≤ 0 as Cephes expf (range reduction by ln 2, degree-6 polynomial, ≤ 2 ulp on [−87, 0]),
 * written so the compiler vectorises it (libm's expf is scalar without -ffast-math). Below −87 it returns
 * ≈ 1e−38 instead of a denormal or 0: such a probability is far below float32 resolution of the sum. */
static inline float exp_le0(float x) {
  x = x < -87.0f ? -87.0f : x;
  const float n = floorf(x * 1.44269504088896341f + 0.5f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  union { int32_t i; float f; } u;
  u.i = ((int32_t)n + 127) << 23;
  return p * u.f;
}

/* In place: s[0..n) ← softmax(s[0..n)), max-subtracted (n ≥ 1). */
static inline void softmax_row(float *s, int n) {
  float m = s[0];
#pragma omp simd reduction(max : m)
  for (int j = 1; j < n; j++) m = s[j] > m ? s[j] : m;
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int j = 0; j < n; j++) {
    s[j] = exp_le0(s[j] - m);
    sum += s[j];
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (int j = 0; j < n; j++) s[j] *= inv;
}

static void heads_range(const float *q, const float *k, const float *v, float *out, int T, int nH, int nKv, int dh,
                        const int *kvOf, float *scratch, int h0, int h1) {
  const int wq = nH * dh, wk = nKv * dh;
  const int Tp = (T + 15) / 16 * 16;
  float *kt = scratch;                   /* [dh, Tp], zero beyond T */
  float *vt = scratch + (size_t)dh * Tp; /* [dh, Tp] */
  float *s = vt + (size_t)dh * Tp;       /* [Tp] */
  int last = -1;
  for (int h = h0; h < h1; h++) {
    const int g = kvOf[h];
    if (g != last) {
      for (int j = 0; j < T; j++) {
        const float *kj = k + (size_t)j * wk + (size_t)g * dh;
        const float *vj = v + (size_t)j * wk + (size_t)g * dh;
        for (int d = 0; d < dh; d++) {
          kt[(size_t)d * Tp + j] = kj[d];
          vt[(size_t)d * Tp + j] = vj[d];
        }
      }
      last = g;
    }
    for (int i = 0; i < T; i++) {
      const float *qi = q + (size_t)i * wq + (size_t)h * dh;
      const int n = i + 1;
      /* scores in blocks of 16 columns held in registers across the dh products (kt rows padded to Tp) */
      for (int j0 = 0; j0 < n; j0 += 16) {
        float acc[16] = {0};
        for (int d = 0; d < dh; d++) {
          const float a = qi[d];
          const float *kd = kt + (size_t)d * Tp + j0;
#pragma omp simd
          for (int jj = 0; jj < 16; jj++) acc[jj] += a * kd[jj];
        }
        for (int jj = 0; jj < 16; jj++) s[j0 + jj] = acc[jj];
      }
      softmax_row(s, n);
      float *oi = out + (size_t)i * wq + (size_t)h * dh;
      for (int d = 0; d < dh; d++) {
        const float *vd = vt + (size_t)d * Tp;
        float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
        for (int j = 0; j < n; j++) acc += s[j] * vd[j];
        oi[d] = acc;
      }
    }
  }
}

typedef struct {
  const float *q, *k, *v;
  float *out;
  int T, nH, nKv, dh;
  const int *kvOf;
  float *scratch;
  int h0, h1;
} job_t;

static void *run_job(void *p) {
  job_t *j = (job_t *)p;
  heads_range(j->q, j->k, j->v, j->out, j->T, j->nH, j->nKv, j->dh, j->kvOf, j->scratch, j->h0, j->h1);
  return NULL;
}

/* All heads; nThreads ≥ 2 splits the heads over that many threads (each needs its own scratch block of
 * (2·dh + 1)·Tp floats: scratch holds nThreads blocks). Results do not depend on nThreads. */
void sp_causal_attention(const float *q, const float *k, const float *v, float *out, int T, int nH, int nKv, int dh,
                         const int *kvOf, float *scratch, int nThreads) {
  const size_t block = (size_t)(2 * dh + 1) * ((T + 15) / 16 * 16);
  if (nThreads > nH) nThreads = nH;
  if (nThreads > 16) nThreads = 16;
  if (nThreads <= 1) {
    heads_range(q, k, v, out, T, nH, nKv, dh, kvOf, scratch, 0, nH);
    return;
  }
  pthread_t th[16];
  job_t jobs[16];
  int started[16] = {0};
  for (int t = 0; t < nThreads; t++) {
    jobs[t] = (job_t){q, k, v, out, T, nH, nKv, dh, kvOf, scratch + t * block, nH * t / nThreads, nH * (t + 1) / nThreads};
    if (t > 0) started[t] = pthread_create(&th[t], NULL, run_job, &jobs[t]) == 0;
  }
  run_job(&jobs[0]);
  for (int t = 1; t < nThreads; t++) {
    if (started[t]) pthread_join(th[t], NULL);
    else run_job(&jobs[t]); /* thread creation failed: do its share here */
  }
}

/* Causal softmax of a block of score rows, in place: S is rows × ld (row-major), row r holds the scores of query
 * i = row0 + r against keys 0..ld−1; keys j ≤ i get softmax weights, keys j > i get 0. Used by the BLAS route of
 * src/model/attentionFused.ts for large heads (scores and × v as sgemm calls). */
void sp_causal_softmax_rows(float *S, int rows, int ld, int row0) {
  for (int r = 0; r < rows; r++) {
    float *s = S + (size_t)r * ld;
    int n = row0 + r + 1;
    if (n > ld) n = ld;
    softmax_row(s, n);
    for (int j = n; j < ld; j++) s[j] = 0.0f;
  }
}
