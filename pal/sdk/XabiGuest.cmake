# Build helpers for picoprocess code: guest images and the unsanitized loader.
#
# Usage (from any folder, in any order relative to pal/):
#   include(<path to>/pal/sdk/XabiGuest.cmake)    # no-op if already included
#   xabi_add_guest(my_guest main.c other.c)       # -> freestanding static-PIE image
#   xabi_no_sanitize(some_target)                 # drop -fsanitize=* from a target
#
# xabi_add_guest(NAME SOURCES...) makes an executable target NAME whose output,
# $<TARGET_FILE:NAME>, is an ET_DYN image with only PT_LOAD / PT_DYNAMIC /
# PT_GNU_STACK headers and only R_X86_64_RELATIVE relocations. It is linked
# with the SDK's start code (target xabi_guest_start) and runtime (target
# xabi_guest_runtime), both defined in pal/sdk/CMakeLists.txt; they are
# referenced by name, so the caller may come before pal/ in the build. Guest
# sources see <xabi/sdk.h> and must define `int xabi_main(void)`.
include_guard(GLOBAL)

# Flags that only make sense for host code (sanitizers) must never reach code
# that runs inside the picoprocess: it has no OS to report to, and the loader
# jumps into foreign code that would confuse the sanitizer runtime.
function(xabi_no_sanitize target)
  foreach(prop COMPILE_OPTIONS LINK_OPTIONS)
    get_target_property(opts ${target} ${prop})
    if(opts)
      list(FILTER opts EXCLUDE REGEX "^-f(no-)?sanitize")
      set_target_properties(${target} PROPERTIES ${prop} "${opts}")
    endif()
  endforeach()
  # Also cancels a -fsanitize smuggled in through CMAKE_<LANG>_FLAGS.
  target_compile_options(${target} PRIVATE -fno-sanitize=all)
  target_link_options(${target} PRIVATE -fno-sanitize=all)
endfunction()

# The flags of code that runs inside a guest image, as lists: the functions
# below use them, and the installed SDK's pkg-config file (xabi-guest.pc) is
# written from them, so both ways of building a guest use the same flags.
# Cache variables: this file is included once (include_guard) but its
# functions run in every folder, and plain variables are per folder.
set(XABI_GUEST_COMPILE_FLAGS
  -ffreestanding            # no hosted library; builtins stay, the runtime provides mem*
  -fPIE                     # the image is loaded at a random base
  -fvisibility=hidden       # direct PC-relative access, no GOT before self-relocation
  -fno-stack-protector      # the canary lives in host TLS the guest may not touch
  -fno-asynchronous-unwind-tables -fno-unwind-tables  # no unwinder, no .eh_frame_hdr
  -fcf-protection=none      # no .note.gnu.property / PT_GNU_PROPERTY
  -fno-common
  -ffunction-sections -fdata-sections
  CACHE INTERNAL "flags of code inside a guest image")
set(XABI_GUEST_LINK_FLAGS
  -nostdlib -static-pie -fno-sanitize=all
  -Wl,--no-dynamic-linker   # no PT_INTERP: the image relocates itself
  -Wl,-e,_start
  -Wl,-z,text               # refuse text relocations (text is mapped read-only)
  -Wl,-z,norelro            # the loader ignores PT_GNU_RELRO; do not emit it
  -Wl,-z,noexecstack
  -Wl,-z,max-page-size=4096
  -Wl,--build-id=none       # no PT_NOTE
  -Wl,--gc-sections
  -Wl,--no-undefined
  CACHE INTERNAL "link flags of a guest image")

# Compile options for code that runs inside a guest image (SDK and guests).
function(xabi_guest_compile_options target)
  xabi_no_sanitize(${target})
  target_compile_options(${target} PRIVATE ${XABI_GUEST_COMPILE_FLAGS}
    $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti -fno-threadsafe-statics>)
endfunction()

function(xabi_add_guest name)
  if(ARGC LESS 2)
    message(FATAL_ERROR "xabi_add_guest(${name}): no sources")
  endif()
  add_executable(${name} ${ARGN})
  xabi_guest_compile_options(${name})
  # Replace, not append: the project's link options (sanitizer runtimes) must
  # not be linked into an image that has no libc.
  set_target_properties(${name} PROPERTIES LINK_OPTIONS "" LINKER_LANGUAGE C)
  target_link_options(${name} PRIVATE ${XABI_GUEST_LINK_FLAGS} $<$<BOOL:${XABI_WERROR}>:-Wl,--fatal-warnings>)
  # Start code is an object library so _start is always linked in (the
  # installed SDK's xabiConfig.cmake defines the same two names over its
  # installed objects and archive).
  target_link_libraries(${name} PRIVATE xabi_guest_start xabi_guest_runtime)
endfunction()
