/* pthreads: a static glibc program (built like Debian's static binaries:
 * -static, non-PIE) whose 8 threads contend for one mutex and signal a
 * condition variable; prints the counter, exits 0 when it is exact. Under
 * xabi-host run --linux its clone reaches the kernel by the allow-list's
 * thread entry and its futex calls meet the PAL's zutex on the same words
 * (docs/linux-personality.md, Threads). */
#include <pthread.h>
#include <stdio.h>

enum { kThreads = 8, kRounds = 100000 };
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter, finished;

static void *worker(void *arg) {
  (void)arg;
  for (int i = 0; i < kRounds; i++) {
    pthread_mutex_lock(&m);
    counter++;
    pthread_mutex_unlock(&m);
  }
  pthread_mutex_lock(&m);
  finished++;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&m);
  return 0;
}

int main(void) {
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; i++)
    if (pthread_create(&t[i], 0, worker, 0) != 0) {
      puts("pthread_create failed");
      return 1;
    }
  pthread_mutex_lock(&m);
  while (finished < kThreads) pthread_cond_wait(&cv, &m);
  pthread_mutex_unlock(&m);
  for (int i = 0; i < kThreads; i++) pthread_join(t[i], 0);
  printf("counter %ld\n", counter);
  return counter == (long)kThreads * kRounds ? 0 : 1;
}
