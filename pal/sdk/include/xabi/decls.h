/* Declaration wrapper for SDK headers.
 *
 * Usage: wrap every SDK header's declarations in
 *   XABI_SDK_BEGIN_DECLS ... XABI_SDK_END_DECLS
 * They get C linkage and hidden visibility: a guest image exports nothing, and
 * hidden symbols are reached PC-relative instead of through a GOT slot that
 * would itself need relocating. */
#ifndef XABI_SDK_DECLS_H
#define XABI_SDK_DECLS_H

#ifdef __cplusplus
#define XABI_SDK_BEGIN_DECLS extern "C" { _Pragma("GCC visibility push(hidden)")
#define XABI_SDK_END_DECLS _Pragma("GCC visibility pop") }
#else
#define XABI_SDK_BEGIN_DECLS _Pragma("GCC visibility push(hidden)")
#define XABI_SDK_END_DECLS _Pragma("GCC visibility pop")
#endif

#define XABI_SDK_NORETURN __attribute__((noreturn))
#define XABI_SDK_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

#endif
