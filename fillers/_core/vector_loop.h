/* FC_VECTOR_LOOP: a fill loop also compiled for AVX2, the variant picked at load time where
 * the toolchain can (GCC/Clang ifuncs, x86-64 glibc) and the CPU has it. AVX2 does the same
 * correctly rounded IEEE operations on wider registers, and the build's -ffp-contract=off
 * keeps FMA out of it, so the bits are the SSE2 build's. Shared by core.c and counter.c. */
#ifndef FC_VECTOR_LOOP_H
#define FC_VECTOR_LOOP_H

#if defined(__x86_64__) && defined(__GLIBC__) && defined(__has_attribute) && !defined(FC_NO_TARGET_CLONES)
#if __has_attribute(target_clones)
#define FC_VECTOR_LOOP __attribute__((target_clones("avx2", "default")))
#endif
#endif
#ifndef FC_VECTOR_LOOP
#define FC_VECTOR_LOOP
#endif

#endif
