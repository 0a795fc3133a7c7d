/*
 * support.c - helpers shared by the scenarios (see scenario.h).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scenario.h"

static char failure[1024];

const char *lg_test_failure(void) {
    return failure;
}

int lg_test_under_thread_sanitizer(void) {
#if defined(__has_feature)
#  if __has_feature(thread_sanitizer)
    return 1;
#  endif
#endif
#if defined(__SANITIZE_THREAD__)
    return 1;
#endif
    return 0;
}

int lg_test_fail(const char *fmt, ...) {
    char earlier[sizeof failure];
    snprintf(earlier, sizeof earlier, "%s", failure); /* a helper may have said more */
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(failure, sizeof failure, fmt, ap);
    va_end(ap);
    if (earlier[0] && n > 0 && (size_t)n < sizeof failure)
        snprintf(failure + n, sizeof failure - (size_t)n, " (%s)", earlier);
    return -1;
}

void lg_test_begin(void) {
    failure[0] = 0;
}

int lg_test_start(lg_config *c) {
    failure[0] = 0;
    if (lg_start(c) != 0) return lg_test_fail("lg_start failed");
    return 0;
}

long lg_test_quiesce(unsigned timeout_ms) {
    size_t parked = 0;
    lg_wait_result r;
    uint64_t t0 = lg_now_ns(), limit = (uint64_t)timeout_ms * 1000000u;
    do r = lg_wait(limit, &parked);
    while (r == LG_WAIT_WOKEN);
    if (r != LG_WAIT_QUIESCENT) return -1;
    if (lg_now_ns() - t0 >= limit) {
        /* lg_wait checks once more when its timeout expires: quiescent then means the
         * transition into quiescence was never signalled. */
        lg_test_fail("quiescence was reached but lg_wait was not woken (found only at its timeout)");
        return -2;
    }
    return (long)parked;
}

static long read_long_field(const char *path, int index) {
    char buf[256];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = buf;
    for (int i = 0; i < index; i++) {
        p = strchr(p, ' ');
        if (!p) return -1;
        p++;
    }
    return strtol(p, NULL, 10);
}

long lg_test_rss_kb(void) {
    long pages = read_long_field("/proc/self/statm", 1);
    return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

long lg_test_map_count(void) {
    int fd = open("/proc/self/maps", O_RDONLY);
    if (fd < 0) return -1;
    char buf[65536];
    long lines = 0;
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) lines += buf[i] == '\n';
    close(fd);
    return lines;
}

void lg_test_burn(uint64_t ns) {
    uint64_t end = lg_now_ns() + ns;
    while (lg_now_ns() < end) {}
}

bool lg_test_unlock_commit(lg_legion *l, void *lock) {
    (void)l;
    spin_unlock(lock);
    return true;
}
