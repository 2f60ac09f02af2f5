// What the kernels may use on this CPU: x86 instruction sets where the compiler targets x86 (the
// only vector kernels written so far), the portable C bodies everywhere else, and always no more
// than QUARRY_KERNELS allows. Every dispatch asks here, so one setting forces the portable path
// for all of them (the test suite runs once so).
#ifndef QUARRY_CPU_FEATURES_H
#define QUARRY_CPU_FEATURES_H

#if defined(__x86_64__) || defined(__i386__)
#define QUARRY_X86 1
#include <immintrin.h>
/// Whether the CPU has `feature` (a literal GCC/Clang feature name). x86 only.
#define QUARRY_CPU_HAS(feature) (__builtin_cpu_init(), __builtin_cpu_supports(feature))
#else
#define QUARRY_X86 0
#endif

/// The highest tier QUARRY_KERNELS allows, read once: 0 portable, 1 avx2, 2 avx512 (unset or
/// `auto`: 2, whatever the CPU has). An unknown value is said once on standard error and read as `auto`.
int quarry_kernels_allowed(void);

#define QUARRY_TIER_PORTABLE 0
#define QUARRY_TIER_AVX2 1
#define QUARRY_TIER_AVX512 2

#endif
