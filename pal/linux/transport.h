/*
 * transport.h: the PAL client side of the host-link slot protocol
 * (host_link.h). Implements the generated PAL stubs' transport functions
 * (xabi_pal_frame_begin / _call / _end, see xabi/pal_stubs.h) over the call
 * area. Runs inside the picoprocess, after sealing, on guest threads:
 * freestanding, no libc, no TLS, raw system calls only (futex op 0/1 on the
 * region, write to the doorbell fd, sched_yield), as the seccomp filter allows.
 *
 *   // in the bootstrap, before sealing:
 *   xabi_pal_transport_init(xabi_pal_linux_header());   // the call area
 *   xabi_pal_fill_host_calls(&table);                        // generated stubs
 *   // then any HOST call: xabi_pal_host_close(-1) -> XABI_E_BAD_CHANNEL
 *
 * Compile with -ffreestanding -fno-stack-protector (no canary: the guest owns FS).
 */
#ifndef XABI_PAL_LINUX_TRANSPORT_H
#define XABI_PAL_LINUX_TRANSPORT_H

#ifdef __cplusplus
extern "C" {
#endif

/* The guest address of the call area (header at offset 0). Call once, before
 * any HOST call and before other threads exist. */
void xabi_pal_transport_init(void *call_area);

#ifdef __cplusplus
}
#endif

#endif /* XABI_PAL_LINUX_TRANSPORT_H */
