/* strlen, strcmp, strncmp for freestanding guests.
 *
 * Usage: via <xabi/string.h>. Plain byte loops: guests are small and these
 * are not on any hot path yet. */
#include <xabi/string.h>

size_t strlen(const char *s) {
  size_t n = 0;
  while (s[n] != '\0')
    ++n;
  return n;
}

int strcmp(const char *a, const char *b) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  while (*x != '\0' && *x == *y)
    ++x, ++y;
  return (*x > *y) - (*x < *y);
}

int strncmp(const char *a, const char *b, size_t n) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  for (; n > 0; --n, ++x, ++y) {
    if (*x != *y)
      return (*x > *y) - (*x < *y);
    if (*x == '\0')
      return 0;
  }
  return 0;
}
