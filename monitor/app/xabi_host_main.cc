// xabi-host: the production Linux host. Runs a guest image as a sealed
// picoprocess and serves its calls; the command line is host_cli.h.
#include "host_cli.h"

int main(int argc, char** argv) {
  return xabi::app::host_main(argc, argv,
                              {.name = "xabi-host",
                               .about = "xabi-host: run guest images as sealed picoprocesses",
                               .built_bootstrap = XABI_DEFAULT_BOOTSTRAP,
                               .installed_bootstrap = XABI_INSTALLED_BOOTSTRAP,
                               .built_linux_runner = XABI_DEFAULT_LINUX_RUNNER,
                               .installed_linux_runner = XABI_INSTALLED_LINUX_RUNNER});
}
