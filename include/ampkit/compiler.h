/*
 * compiler.h - the few compiler facts the portable core relies on: packed
 * wire structs, static assertions, shared-memory access with explicit
 * ordering, and the CPU relax hint used while spinning.
 *
 * Shared memory is written by a peer we do not trust and do not share a
 * compiler with, so every load or store of a field the peer also touches
 * goes through AMP_LOAD/AMP_STORE (single-copy atomic, never torn, never
 * cached in a register) and ordering is explicit.
 */
#ifndef AMPKIT_COMPILER_H
#define AMPKIT_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#define AMP_PACKED __attribute__((packed))
#define AMP_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define AMP_LIKELY(x) __builtin_expect(!!(x), 1)
#define AMP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define AMP_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define AMP_ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define AMP_IS_POW2(x) ((x) != 0 && ((x) & ((x)-1)) == 0)
#define AMP_CONTAINER_OF(ptr, type, member)                                    \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Plain (relaxed) access to a field the peer may change concurrently. */
#define AMP_LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define AMP_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Publish / consume an index: everything before the release is visible to
 * whoever acquires the value. */
#define AMP_LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define AMP_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* Full barrier: orders a store before a later load (the notify handshake). */
#define AMP_MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static inline void amp_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__) || (defined(__ARM_ARCH) && __ARM_ARCH >= 7)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/* Little-endian wire fields, assembled byte by byte: messages arrive at
 * any alignment and the peer's byte order is fixed by the protocol, not by
 * this CPU. */
static inline uint16_t amp_get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t amp_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void amp_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void amp_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

#endif
