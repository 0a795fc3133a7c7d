/*
 * measure.c - runs one benchmark program and reports its wall time and the peak
 * resident set of that program alone.
 *
 *     measure REPORT PROGRAM [ARG...]
 *
 * writes "STATUS SECONDS MAXRSS_KB" to the file REPORT once PROGRAM has ended, where
 * STATUS is the raw wait status, SECONDS the wall time from fork to reap, and
 * MAXRSS_KB ru_maxrss from wait4. PROGRAM inherits standard input, output and error.
 *
 * Why a launcher: Linux's ru_maxrss of a child is the largest resident set any of its
 * address spaces reached, and that includes the one it had between fork and exec, a
 * copy of the parent's. Forked straight from the Python runner, every program would
 * show at least the runner's own ~17 MB. Forked from this program, which is small, the
 * floor is this program's own resident size (about a megabyte, less when linked
 * statically); bench/run.py measures /bin/true the same way and prints that floor.
 *
 * C and POSIX only; bench/run.py compiles it with the system's C compiler.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: measure REPORT PROGRAM [ARG...]\n");
        return 2;
    }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid < 0) {
        perror("measure: fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        fprintf(stderr, "measure: cannot run %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {
        if (errno != EINTR) {
            perror("measure: wait4");
            return 2;
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    FILE *report = fopen(argv[1], "w");
    if (!report) {
        perror("measure: cannot write the report");
        return 2;
    }
    fprintf(report, "%d %.9f %ld\n", status, seconds, usage.ru_maxrss);
    return fclose(report) == 0 ? 0 : 2;
}
