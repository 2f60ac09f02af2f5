// The CPU's own rates for the encoder's inner loops, without Quarry: how many 256-bit float FMAs
// a core retires a second, and how many int8 multiply-adds the AVX2 pattern Quarry's int8 product
// uses (vpmaddubsw, vpmaddwd, vpaddd) retires. Docs/PERFORMANCE.md ("Embeddings on an AVX2 host")
// quotes them. Many independent accumulators, so that throughput, not latency, is timed.
//
//     clang -O2 scripts/bench/cpu_rates.c -o /tmp/cpu_rates && /tmp/cpu_rates
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define STEPS 100000000L

__attribute__((target("avx2,fma"))) static void float_fma(void) {
    // 6 rows × 2 vectors: Quarry's AVX2 tile, 12 accumulators, a broadcast input per row.
    __m256 acc[12];
    __m256 b0 = _mm256_set1_ps(1.0001f), b1 = _mm256_set1_ps(0.999f);
    volatile float inputs[6] = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 12; i++) acc[i] = _mm256_setzero_ps();
    double start = now();
    for (long step = 0; step < STEPS; step++)
        for (int r = 0; r < 6; r++) {
            __m256 a = _mm256_set1_ps(inputs[r]);
            acc[r] = _mm256_fmadd_ps(a, b0, acc[r]);
            acc[r + 6] = _mm256_fmadd_ps(a, b1, acc[r + 6]);
        }
    double seconds = now() - start;
    float sink = 0;
    for (int i = 0; i < 12; i++) sink += acc[i][0];
    printf("float FMA, 6x16 tile: %.1f G multiply-adds/s (%.2f G ymm FMAs/s)%s\n", STEPS * 12 * 8 / seconds / 1e9,
           STEPS * 12 / seconds / 1e9, sink == 0.5f ? " " : "");
}

__attribute__((target("avx2"))) static void int8_pattern(void) {
    // 4 rows × 2 vectors of 8 columns × 4 bytes: Quarry's AVX2 int8 tile.
    __m256i acc[8];
    __m256i w0 = _mm256_set1_epi8(3), w1 = _mm256_set1_epi8(5), ones = _mm256_set1_epi16(1);
    volatile int inputs[4] = {1, 2, 3, 4};
    for (int i = 0; i < 8; i++) acc[i] = _mm256_setzero_si256();
    double start = now();
    for (long step = 0; step < STEPS; step++)
        for (int r = 0; r < 4; r++) {
            __m256i a = _mm256_set1_epi32(inputs[r]);
            acc[r] = _mm256_add_epi32(acc[r], _mm256_madd_epi16(_mm256_maddubs_epi16(a, w0), ones));
            acc[r + 4] = _mm256_add_epi32(acc[r + 4], _mm256_madd_epi16(_mm256_maddubs_epi16(a, w1), ones));
        }
    double seconds = now() - start;
    int sink = 0;
    for (int i = 0; i < 8; i++) sink += _mm256_extract_epi32(acc[i], 0);
    printf("int8 vpmaddubsw+vpmaddwd, 4x16 tile: %.1f G multiply-adds/s%s\n", STEPS * 8 * 32 / seconds / 1e9, sink == 1 ? " " : "");
}

int main(void) {
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
        fprintf(stderr, "cpu_rates: this CPU lacks AVX2 or FMA\n");
        return 1;
    }
    float_fma();
    int8_pattern();
    return 0;
}
