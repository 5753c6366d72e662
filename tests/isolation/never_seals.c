/* A stand-in "bootstrap" for tests: starts and never rings the doorbell. */
#include <unistd.h>

int main(void) {
  for (;;)
    pause();
}
