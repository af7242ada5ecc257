// What appending to a log costs the writer, with and without dropping what
// was written back from the page cache: the audit writer's pattern (writes
// of ~190 KiB, the writeback started every 8 MiB) over TOTAL MiB, then the
// CPU time spent in write(2) per KiB. With DROP=1 the part whose writeback
// was started one step earlier is waited for and dropped (POSIX_FADV_DONTNEED),
// as sockwarden's audit writer does.
//
//   gcc -O2 -o /tmp/pagecache bench/src/pagecache.c
//   /tmp/pagecache 0 2048 /var/tmp/pc.dat; /tmp/pagecache 1 2048 /var/tmp/pc.dat
//
// Run it on the file system the audit log is on (not tmpfs). The first run
// on a fresh VM writes into pages the guest has never touched; bench/README.md
// ("The audit log's page cache") has what this machine measured.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double thread_cpu(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: pagecache DROP(0|1) TOTAL_MIB FILE\n");
        return 2;
    }
    int drop = atoi(argv[1]);
    long total = atol(argv[2]) << 20;
    const char *path = argv[3];
    unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd < 0) { perror(path); return 1; }
    size_t chunk = 190 * 1024;
    char *buf = malloc(chunk);
    memset(buf, 'x', chunk);
    long written = 0, unflushed = 0, started = 0, dropped = 0;
    double in_write = 0, start = thread_cpu();
    while (written < total) {
        double t = thread_cpu();
        if (write(fd, buf, chunk) != (ssize_t)chunk) { perror("write"); return 1; }
        in_write += thread_cpu() - t;
        written += chunk;
        unflushed += chunk;
        if (unflushed >= 8 << 20) {
            sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
            unflushed = 0;
            if (drop && started > dropped) {
                sync_file_range(fd, dropped, started - dropped,
                                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
                posix_fadvise(fd, dropped, started - dropped, POSIX_FADV_DONTNEED);
                dropped = started;
            }
            started = written;
        }
    }
    printf("drop=%d total=%ld MiB cpu=%.3f s in write(2)=%.3f s ns/KiB=%.0f\n",
           drop, total >> 20, thread_cpu() - start, in_write, in_write * 1e9 / (total / 1024));
    close(fd);
    unlink(path);
    return 0;
}
