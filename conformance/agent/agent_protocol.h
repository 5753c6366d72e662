/*
 * agent_protocol.h: the command codec between xabi-conform (the runner, on the
 * host's side of a listen endpoint) and xabi-agent (a guest image the suite
 * runs on the host under test). Both sides compile this one file.
 *
 * Why a generic codec: the agent knows no call by name. It performs any call
 * of the spec through the generated xabi_invoke() (xabi/invoke.h) with raw
 * 64-bit arguments; the runner marshals arguments from the generated meta
 * tables (xabi/meta.hpp: which parameter is a buffer, a string, an array and
 * how long). So a call added to the spec is drivable with no change here.
 *
 * Transport: the agent accepts ONE connection (the control channel) with
 * xabi_accept, sends HELLO, then serves commands until the channel closes
 * (then it exits 0). All integers little-endian. Every frame:
 *
 *   u32 len      bytes after this field (header rest + payload), <= AGENT_FRAME_MAX
 *   u32 seq      request: chosen by the runner; reply: copied from the request
 *   u8  op       enum agent_op (reply: the request's op)
 *   u8  worker   request: which agent thread executes it (0: the initial
 *                thread, which also serves the control channel; 1..AGENT_WORKERS:
 *                threads made by AGENT_OP_SPAWN). reply: same.
 *   u8  status   request: 0. reply: enum agent_status
 *   u8  reserved 0
 *   payload
 *
 * Commands sent to one worker run in order; different workers run
 * concurrently and their replies may come in any order. A command that blocks
 * (zutex_wait, poll with block) must go to a worker other than 0, or the
 * agent stops serving until it returns.
 *
 * Ops and payloads (request -> reply):
 *
 * HELLO (agent -> runner, seq 0, unsolicited, once):
 *   u32 magic AGENT_MAGIC, u32 abi_version, i64 control channel (what xabi_accept
 *   returned), u64 alarms (xabi_alarms()), u64 main thread's scratch base,
 *   u64 worker entry address (what AGENT_OP_SPAWN passes as `entry`).
 *
 * CALL: u32 call id, u8 nargs, then per argument u8 kind:
 *     AGENT_ARG_VALUE: u64 value
 *     AGENT_ARG_BLOB:  u8 blob index, u32 offset   (value = address of blob + offset)
 *   u8 nblobs, then per blob: u32 len, u8 fill_kind (AGENT_BLOB_ZERO: len zero
 *   bytes; AGENT_BLOB_DATA: len bytes follow; AGENT_BLOB_BYTE: one byte follows,
 *   repeated len times). Blobs are laid out in the worker's scratch area, each
 *   16-byte aligned, total <= AGENT_SCRATCH.
 *   -> i64 result, u8 nblobs, per blob: u64 address, u32 len, len bytes as they
 *      are after the call (so OUT buffers come back).
 *   Calls that do not return (exit, thread_exit) send no reply.
 *
 * SPAWN (to worker 0): u8 slot (1..AGENT_WORKERS)
 *   -> i64 xabi_thread_create result, u64 entry, u64 stack, u64 arg (the exact
 *      arguments passed), u8 ran (1 once the new thread signalled that it runs;
 *      the agent waits for that before replying when the result was > 0).
 *
 * MEM_FILL: u64 address, u64 len, u8 byte  -> (empty). Writes every byte.
 * MEM_CHECK: u64 address, u64 len, u8 byte -> u64 mismatches, u64 first
 *   mismatching offset (len when none), u8 first mismatching value.
 * MEM_READ: u64 address, u32 len (<= AGENT_SCRATCH) -> len bytes.
 *   (A fault in these kills the picoprocess: that is the observation.)
 *
 * SYSCALL: u64 nr, 6 x u64 args -> i64 raw result (-errno on failure).
 *   The agent issues the instruction itself; the host decides what happens.
 *
 * ESCAPE: u8 kind (enum agent_escape) -> i64 0 when the instruction returned.
 *   The agent executes one instruction by which code without a kernel might
 *   try to reach one, or a device (AGENT_ESCAPES); an isolated host ends the
 *   picoprocess instead, so a reply at all is the failure.
 *
 * ARGS: -> u32 argc, then per argument: u32 len, bytes (from xabi_args()).
 *
 * PING: -> u64 xabi_time_now(). (For latency: a round trip with no host call.)
 *
 * HOG (to a worker, or 0): u8 kind (enum agent_hog), u64 param
 *   -> reply first (empty), then: SPIN burns CPU until the process ends;
 *   CRASH writes to address 8 (SIGSEGV); MEMORY allocates param-byte chunks
 *   with xabi_alloc until refused and touches every page; BLOCK waits on a
 *   zutex word nobody wakes; EXIT calls xabi_exit(param).
 *
 * CLONE_STORM (to worker 0): u32 count (<= AGENT_STORM_MAX) -> u32 started,
 *   i64 first failure (the raw clone's -errno; 0 when all started). Bypasses
 *   the PAL: raw `clone` system calls with exactly the allow-list's thread
 *   flags, each new thread parking in FUTEX_WAIT for good. Only the host can
 *   stop it (LIMIT_THREADS); the PAL still counts one thread.
 *
 * HANDOVER (to worker 0): u8 slot -> (empty). After the reply, worker `slot`
 *   (spawned, idle) becomes the server of the control channel and the initial
 *   thread calls xabi_thread_exit. Commands to worker `slot` then run on the
 *   serving thread itself, in order; commands to worker 0 are refused
 *   (AGENT_BAD_WORKER).
 *
 * PROBE mode (no control channel): launched with the arguments `probe ID`,
 * the agent makes call ID (a spec call id, decimal) with no arguments and
 * exits with AGENT_PROBE_STATUS(result). For calls a host without a listen
 * endpoint or console must refuse (accept, console: E_UNSUPPORTED).
 */
#ifndef XABI_CONFORMANCE_AGENT_PROTOCOL_H
#define XABI_CONFORMANCE_AGENT_PROTOCOL_H

#include <stdint.h>

#define AGENT_MAGIC 0x54474158u /* "XAGT" */
#define AGENT_HEADER 8u          /* seq, op, worker, status, reserved */
#define AGENT_FRAME_MAX (200u * 1024u)
#define AGENT_SCRATCH (160u * 1024u) /* per worker: blobs of one CALL */
#define AGENT_WORKERS 64u            /* worker slots 1..64: enough to reach LIMIT_THREADS */
#define AGENT_MAX_ARGS 8u
#define AGENT_MAX_BLOBS 4u
#define AGENT_STORM_MAX 256u

/* A probe's exit status: results 0..99 as themselves (larger ones as 99),
 * -1..-99 as 101..199; 100 when the call id is unknown or the probe is malformed. */
#define AGENT_PROBE_STATUS(r) ((r) >= 0 ? ((r) > 99 ? 99 : (int)(r)) : ((r) < -99 ? 199 : 100 - (int)(r)))

enum agent_op {
  AGENT_OP_HELLO = 1,
  AGENT_OP_CALL = 2,
  AGENT_OP_SPAWN = 3,
  AGENT_OP_MEM_FILL = 4,
  AGENT_OP_MEM_CHECK = 5,
  AGENT_OP_MEM_READ = 6,
  AGENT_OP_SYSCALL = 7,
  AGENT_OP_ARGS = 8,
  AGENT_OP_PING = 9,
  AGENT_OP_HOG = 10,
  AGENT_OP_CLONE_STORM = 11,
  AGENT_OP_HANDOVER = 12,
  AGENT_OP_ESCAPE = 13,
};

/* The ESCAPE kinds: enum name, the case language's name, what it is. */
#define AGENT_ESCAPES(X)                                                             \
  X(INT80, "int80", "int $0x80 (the 32-bit system call gate)")                       \
  X(SYSENTER, "sysenter", "sysenter")                                                \
  X(INT_N, "int-n", "int $0x21 (a software interrupt)")                              \
  X(HLT, "hlt", "hlt")                                                               \
  X(CLI, "cli", "cli (interrupts off)")                                              \
  X(OUT, "out", "out %al, $0x80 (port output)")                                      \
  X(IN, "in", "in $0x60, %al (port input)")                                          \
  X(OUT_DX, "out-dx", "out %al, %dx to port 0x3f8 (a serial port)")                  \
  X(RDMSR, "rdmsr", "rdmsr of EFER")                                                 \
  X(MOV_CR3, "mov-cr3", "mov to %cr3 (switch page tables)")                          \
  X(CALL_PORT_BYTE, "call-port-byte", "a one-byte out to port 0xe2 (the KVM host's call port, wrong size)") \
  X(PORT_E3, "port-e3", "a four-byte out to port 0xe3 (inside the KVM host's I/O window, not its call port)")
enum agent_escape {
  AGENT_ESCAPE_NONE = 0,
#define AGENT_ESCAPE_ENUM(e, name, what) AGENT_ESCAPE_##e,
  AGENT_ESCAPES(AGENT_ESCAPE_ENUM)
#undef AGENT_ESCAPE_ENUM
  AGENT_ESCAPE_COUNT
};

enum agent_status {
  AGENT_OK = 0,
  AGENT_BAD_FRAME = 1,   /* malformed payload, too many args/blobs, blobs too large */
  AGENT_BAD_WORKER = 2,  /* no such worker, or it is not running */
  AGENT_BAD_OP = 3,
  AGENT_NO_CALL = 4,     /* xabi_invoke does not know the call id */
};

enum agent_arg_kind { AGENT_ARG_VALUE = 0, AGENT_ARG_BLOB = 1 };
enum agent_blob_fill { AGENT_BLOB_ZERO = 0, AGENT_BLOB_DATA = 1, AGENT_BLOB_BYTE = 2 };
enum agent_hog { AGENT_HOG_SPIN = 0, AGENT_HOG_CRASH = 1, AGENT_HOG_MEMORY = 2, AGENT_HOG_BLOCK = 3, AGENT_HOG_EXIT = 4 };

#endif
