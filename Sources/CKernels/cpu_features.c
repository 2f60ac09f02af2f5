#include "cpu_features.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_allowed(void) {
    const char *value = getenv("QUARRY_KERNELS");
    if (!value || !*value || strcmp(value, "auto") == 0 || strcmp(value, "avx512") == 0) return QUARRY_TIER_AVX512;
    if (strcmp(value, "avx2") == 0) return QUARRY_TIER_AVX2;
    if (strcmp(value, "portable") == 0) return QUARRY_TIER_PORTABLE;
    fprintf(stderr, "quarry: QUARRY_KERNELS=%.40s is not one of auto, avx512, avx2, portable; using auto\n", value);
    return QUARRY_TIER_AVX512;
}

int quarry_kernels_allowed(void) {
    static int allowed = -1;  // a benign race: every thread reads the same value
    if (allowed < 0) allowed = read_allowed();
    return allowed;
}
