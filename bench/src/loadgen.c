/* loadgen: the benchmark's HTTP/1.1 load generator over a Unix socket.
 *
 *   loadgen rr       --socket S --conns N --duration SEC [--warmup SEC]
 *                    --method M --path P [--header 'K: V']... [--body-file F]
 *                    --expect STATUS [--cpu-pid PID]
 *       N keep-alive connections, one request in flight on each (no
 *       pipelining); counts the answers completed in the measured window,
 *       their latency percentiles, and the CPU the process tree PID spent in
 *       that window (scheduler runtime of every thread of PID and of all
 *       its descendants).
 *
 *   loadgen download --socket S --size BYTES --mode length|chunked [--reps R] [--cpu-pid PID]
 *   loadgen upload   --socket S --size BYTES --mode length|chunked [--reps R] [--cpu-pid PID]
 *       One keep-alive connection, R transfers of BYTES each through
 *       /v1.41/containers/bench/archive. Uploads are sent with sendfile(2)
 *       from a memfd (32 KiB chunks when chunked, as Go's io.Copy writes), so
 *       the client side costs no user-space copy; downloads are read with
 *       read(2) into a 1 MiB buffer and every byte and chunk is accounted for.
 *
 *   loadgen idle     --socket S --conns N [--mem-pid PID] [--settle-ms MS]
 *       Opens N connections and holds them; samples the memory of the tree
 *       PID before, once all are open, and after one GET /_ping on each;
 *       then pings every connection a second time. All 2N answers must be 200.
 *
 * Output: one line of key=value pairs on stdout; exit status 0 only when
 * every answer was the expected one.
 */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>

#define RBUF (64 * 1024)
#define HOST_HEADERS "Host: api.moby.localhost\r\nUser-Agent: Docker-Client/28.2.2 (linux)\r\n"

/* ---- options ------------------------------------------------------------ */

static const char *opt_socket;
static int opt_conns = 1;
static double opt_duration = 5, opt_warmup = 1;
static const char *opt_method = "GET", *opt_path = "/_ping";
static char opt_headers[4096];
static const char *opt_body_file;
static int opt_expect = 200;
static pid_t opt_cpu_pid, opt_mem_pid;
static uint64_t opt_size = 1 << 30;
static int opt_chunked;
static int opt_reps = 1;
static int opt_settle_ms = 1000;

/* ---- /proc: CPU and memory of a process tree ---------------------------- */

struct pp { pid_t pid, ppid; };

/* Every pid in the tree rooted at `root` (root first). */
static int tree_pids(pid_t root, pid_t *out, int max) {
    static struct pp all[65536];
    int n = 0;
    DIR *d = opendir("/proc");
    if (!d) die("opendir /proc");
    struct dirent *e;
    while ((e = readdir(d)) && n < 65536) {
        if (!isdigit((unsigned char)e->d_name[0])) continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t r = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (r <= 0) continue;
        buf[r] = 0;
        char *rp = strrchr(buf, ')');
        if (!rp) continue;
        char st;
        int ppid;
        if (sscanf(rp + 2, "%c %d", &st, &ppid) != 2) continue;
        all[n].pid = atoi(e->d_name);
        all[n].ppid = ppid;
        n++;
    }
    closedir(d);
    int k = 0;
    out[k++] = root;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < n && k < max; j++)
            if (all[j].ppid == out[i]) out[k++] = all[j].pid;
    return k;
}

/* CPU time the tree has run: the scheduler's exact per-thread runtime
 * (/proc/PID/task/TID/schedstat) of every thread of every process in the
 * tree, kept per thread id. utime+stime in /proc/PID/stat are clock ticks
 * rounded down per process, which loses most of socat's many short-lived
 * children. The CPU used between two samples (cpu_between) is summed over the
 * threads alive at the second: a thread that ended in between (a socat child
 * of an earlier case exiting late) is left out rather than making the sum go
 * down, and one that started in between counts whole. Connections (and so
 * sockwarden's threads and socat's children) live through a measured window. */
struct thread_cpu { pid_t tid; uint64_t ns; };
struct cpu_sample { struct thread_cpu *threads; int n, cap; };

static int cmp_tid(const void *a, const void *b) {
    pid_t x = ((const struct thread_cpu *)a)->tid, y = ((const struct thread_cpu *)b)->tid;
    return (x > y) - (x < y);
}

static void tree_cpu(pid_t root, struct cpu_sample *s) {
    static pid_t pids[65536];
    int n = tree_pids(root, pids, 65536);
    s->n = 0;
    for (int i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", pids[i]);
        DIR *d = opendir(path);
        if (!d) continue;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!isdigit((unsigned char)e->d_name[0])) continue;
            char spath[300], buf[128];
            snprintf(spath, sizeof spath, "/proc/%d/task/%s/schedstat", pids[i], e->d_name);
            int fd = open(spath, O_RDONLY | O_CLOEXEC);
            if (fd < 0) continue;
            ssize_t r = read(fd, buf, sizeof buf - 1);
            close(fd);
            if (r <= 0) continue;
            buf[r] = 0;
            if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 1024;
                s->threads = realloc(s->threads, (size_t)s->cap * sizeof *s->threads);
                if (!s->threads) die("realloc");
            }
            s->threads[s->n].tid = atoi(e->d_name);
            s->threads[s->n].ns = strtoull(buf, NULL, 10);
            s->n++;
        }
        closedir(d);
    }
    qsort(s->threads, (size_t)s->n, sizeof *s->threads, cmp_tid);
}

static uint64_t cpu_between(const struct cpu_sample *a, const struct cpu_sample *b) {
    uint64_t total = 0;
    for (int i = 0; i < b->n; i++) {
        const struct thread_cpu *was = bsearch(&b->threads[i], a->threads, (size_t)a->n, sizeof *a->threads, cmp_tid);
        uint64_t before = was ? was->ns : 0;
        if (b->threads[i].ns >= before) total += b->threads[i].ns - before;
    }
    return total;
}

struct mem { uint64_t rss_kb, pss_kb, pte_kb, threads, procs; };

static uint64_t field_kb(const char *text, const char *key) {
    const char *p = strstr(text, key);
    return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

static int read_text(const char *path, char *buf, size_t len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t got = 0;
    ssize_t r;
    while (got < len - 1 && (r = read(fd, buf + got, len - 1 - got)) > 0) got += (size_t)r;
    close(fd);
    buf[got] = 0;
    return 0;
}

static struct mem tree_mem(pid_t root) {
    static pid_t pids[65536];
    struct mem m = {0};
    if (!root) return m;
    int n = tree_pids(root, pids, 65536);
    char path[64], buf[8192];
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof path, "/proc/%d/smaps_rollup", pids[i]);
        if (read_text(path, buf, sizeof buf) != 0) continue;
        m.rss_kb += field_kb(buf, "\nRss:");
        m.pss_kb += field_kb(buf, "\nPss:");
        snprintf(path, sizeof path, "/proc/%d/status", pids[i]);
        if (read_text(path, buf, sizeof buf) != 0) continue;
        m.pte_kb += field_kb(buf, "\nVmPTE:");
        m.threads += field_kb(buf, "\nThreads:");
        m.procs++;
    }
    return m;
}

static uint64_t mem_available_kb(void) {
    char buf[8192];
    if (read_text("/proc/meminfo", buf, sizeof buf) != 0) return 0;
    return field_kb(buf, "MemAvailable:");
}

static uint64_t kernel_stack_kb(void) {
    char buf[8192];
    if (read_text("/proc/meminfo", buf, sizeof buf) != 0) return 0;
    return field_kb(buf, "KernelStack:");
}

/* ---- request/response connections -------------------------------------- */

static uint8_t *request;
static size_t request_len;

static void build_request(const char *method, const char *path) {
    uint8_t *body = NULL;
    size_t body_len = 0;
    if (opt_body_file) {
        FILE *f = fopen(opt_body_file, "rb");
        if (!f) die(opt_body_file);
        fseek(f, 0, SEEK_END);
        body_len = (size_t)ftell(f);
        fseek(f, 0, SEEK_SET);
        body = malloc(body_len + 1);
        if (fread(body, 1, body_len, f) != body_len) die("fread");
        fclose(f);
    }
    char head[8192];
    int n = snprintf(head, sizeof head, "%s %s HTTP/1.1\r\n" HOST_HEADERS "%s", method, path, opt_headers);
    if (body) n += snprintf(head + n, sizeof head - (size_t)n, "Content-Length: %zu\r\n", body_len);
    n += snprintf(head + n, sizeof head - (size_t)n, "\r\n");
    request_len = (size_t)n + body_len;
    request = malloc(request_len);
    memcpy(request, head, (size_t)n);
    if (body) memcpy(request + n, body, body_len);
    free(body);
}

struct rconn {
    int fd;
    uint64_t t0;
    size_t len, head_len;
    int have_head;
    size_t extra;             /* bytes after a whole answer (must be 0: no pipelining) */
    struct head_info h;
    struct chunk_decoder ch;
    uint8_t buf[RBUF];
};

static uint64_t errors, reconnects;
static int first_error_printed;

static void report_error(const char *what, struct rconn *c) {
    errors++;
    if (first_error_printed++) return;
    fprintf(stderr, "loadgen: %s", what);
    if (c && c->len) fprintf(stderr, "; answer began: %.*s", (int)(c->len < 400 ? c->len : 400), (const char *)c->buf);
    fprintf(stderr, "\n");
}

static int rconn_open(struct rconn *c) {
    c->fd = unix_connect(opt_socket);
    if (c->fd < 0) return -1;
    int fl = fcntl(c->fd, F_GETFL);
    fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
    return 0;
}

/* Sends the whole request (small: it fits the socket buffer). */
static int rconn_send(struct rconn *c) {
    c->len = 0;
    c->have_head = 0;
    c->t0 = now_ns();
    size_t off = 0;
    while (off < request_len) {
        ssize_t n = send(c->fd, request + off, request_len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (n <= 0) return -1;
        off += (size_t)n;
    }
    return 0;
}

/* 1: one whole answer (status checked), 0: need more, -1: failed. */
static int rconn_readable(struct rconn *c) {
    for (;;) {
        if (c->len == RBUF) { report_error("answer larger than 64 KiB", c); return -1; }
        ssize_t n = read(c->fd, c->buf + c->len, RBUF - c->len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 0;
        if (n <= 0) { report_error("connection closed before a whole answer", c); return -1; }
        size_t before = c->len;
        c->len += (size_t)n;
        if (!c->have_head) {
            size_t end = head_end(c->buf, c->len);
            if (!end) continue;
            if (parse_response_head(c->buf, end, &c->h) != 0) { report_error("not an HTTP answer", c); return -1; }
            c->have_head = 1;
            c->head_len = end;
            chunk_init(&c->ch);
            before = end;
        }
        switch (c->h.framing) {
        case FR_NONE:
            c->extra = c->len - c->head_len;
            break;
        case FR_LENGTH:
            if (c->len < c->head_len + c->h.length) continue;
            c->extra = c->len - c->head_len - c->h.length;
            break;
        case FR_CHUNKED: {
            size_t used = chunk_feed(&c->ch, c->buf + before, c->len - before);
            if (c->ch.state == CH_ERROR) { report_error("bad chunked answer", c); return -1; }
            if (c->ch.state != CH_DONE) continue;
            c->extra = c->len - before - used;
            break;
        }
        case FR_CLOSE:
            report_error("answer without length (not keep-alive)", c);
            return -1;
        }
        if (c->h.status != opt_expect) {
            char msg[64];
            snprintf(msg, sizeof msg, "status %d, expected %d", c->h.status, opt_expect);
            report_error(msg, c);
            return -1;
        }
        return 1;
    }
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct(uint64_t *v, size_t n, double p) {
    if (!n) return 0;
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)v[i] / 1000.0;
}

static int run_rr(void) {
    build_request(opt_method, opt_path);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct rconn **cs = calloc((size_t)opt_conns, sizeof *cs);
    size_t lat_cap = 1 << 20, lat_n = 0;
    uint64_t *lat = malloc(lat_cap * sizeof *lat);
    uint64_t t_start = now_ns();
    uint64_t t_ws = t_start + (uint64_t)(opt_warmup * 1e9);
    uint64_t t_we = t_ws + (uint64_t)(opt_duration * 1e9);
    for (int i = 0; i < opt_conns; i++) {
        cs[i] = calloc(1, sizeof **cs);
        if (rconn_open(cs[i]) != 0) die("connect");
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i]->fd, &ev);
    }
    for (int i = 0; i < opt_conns; i++)
        if (rconn_send(cs[i]) != 0) die("send");
    int active = opt_conns;
    int sampled_start = 0, sampled_end = 0;
    struct cpu_sample cpu0 = {0}, cpu1 = {0};
    uint64_t ts0 = 0, ts1 = 0, done_in_window = 0;
    struct epoll_event evs[256];
    while (active > 0) {
        uint64_t now = now_ns();
        if (!sampled_start && now >= t_ws) {
            sampled_start = 1;
            ts0 = now;
            if (opt_cpu_pid) tree_cpu(opt_cpu_pid, &cpu0);
        }
        if (!sampled_end && now >= t_we) {
            sampled_end = 1;
            ts1 = now;
            if (opt_cpu_pid) tree_cpu(opt_cpu_pid, &cpu1);
        }
        if (now > t_we + (getenv("LOADGEN_GRACE_NS") ? strtoull(getenv("LOADGEN_GRACE_NS"), NULL, 10) : 20000000000ull)) {
            report_error("answers still missing 20 s after the end", NULL);
            for (int i = 0; i < opt_conns; i++)
                if (cs[i]->fd >= 0 && fcntl(cs[i]->fd, F_GETFD) >= 0)
                    fprintf(stderr, "loadgen: connection %d waits: %zu bytes buffered, head %s, status %d, framing %d, length %llu\n",
                            i, cs[i]->len, cs[i]->have_head ? "read" : "not read", cs[i]->h.status,
                            (int)cs[i]->h.framing, (unsigned long long)cs[i]->h.length);
            break;
        }
        uint64_t next = !sampled_start ? t_ws : !sampled_end ? t_we : now + 100000000ull;
        int timeout_ms = next > now ? (int)((next - now) / 1000000) : 0;
        if (timeout_ms > 100) timeout_ms = 100;
        int n = epoll_wait(ep, evs, 256, timeout_ms);
        for (int i = 0; i < n; i++) {
            struct rconn *c = evs[i].data.ptr;
            int r = rconn_readable(c);
            if (r == 0) continue;
            uint64_t t = now_ns();
            if (r > 0 && t >= t_ws && t < t_we) {
                if (lat_n == lat_cap) lat = realloc(lat, (lat_cap *= 2) * sizeof *lat);
                lat[lat_n++] = t - c->t0;
                done_in_window++;
            }
            if (r > 0 && c->extra) {
                report_error("extra bytes after an answer", c);
                r = -1;
            }
            int reopen = r < 0 || c->h.close;
            if (reopen) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                if (t >= t_we) { active--; continue; }
                if (r > 0) reconnects++;
                if (rconn_open(c) != 0) die("reconnect");
                struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
            }
            if (t >= t_we) {
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                active--;
                continue;
            }
            if (rconn_send(c) != 0) { report_error("send failed", c); active--; }
        }
    }
    if (!sampled_end) { ts1 = now_ns(); if (opt_cpu_pid) tree_cpu(opt_cpu_pid, &cpu1); }
    double secs = ts1 > ts0 ? (double)(ts1 - ts0) / 1e9 : 1e-9;
    qsort(lat, lat_n, sizeof *lat, cmp_u64);
    double cpu_s = (double)cpu_between(&cpu0, &cpu1) / 1e9;
    printf("requests=%llu seconds=%.3f rps=%.0f p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f "
           "errors=%llu reconnects=%llu cpu_s=%.2f cpu_us_per_req=%.2f cpu_util=%.2f\n",
           (unsigned long long)done_in_window, secs, (double)done_in_window / secs,
           pct(lat, lat_n, 0.50), pct(lat, lat_n, 0.90), pct(lat, lat_n, 0.99), pct(lat, lat_n, 0.999),
           lat_n ? (double)lat[lat_n - 1] / 1000.0 : 0.0,
           (unsigned long long)errors, (unsigned long long)reconnects, cpu_s,
           done_in_window ? cpu_s * 1e6 / (double)done_in_window : 0.0, cpu_s / secs);
    return errors ? 1 : 0;
}

/* ---- streams ------------------------------------------------------------ */

static void set_timeouts(int fd, int seconds) {
    struct timeval tv = {.tv_sec = seconds};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int send_all(int fd, const void *p, size_t n) {
    const uint8_t *b = p;
    while (n) {
        ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        b += w;
        n -= (size_t)w;
    }
    return 0;
}

static int sendfile_all(int out, int in, uint64_t total, off_t wrap) {
    off_t off = 0;
    while (total) {
        size_t count = (size_t)(wrap - off);
        if ((uint64_t)count > total) count = (size_t)total;
        ssize_t n = sendfile(out, in, &off, count);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        total -= (uint64_t)n;
        if (off == wrap) off = 0;
    }
    return 0;
}

static uint8_t big[1 << 20];

/* Reads one answer on a blocking socket; returns body bytes, or -1. */
static int64_t read_answer(int fd, int expect_status, int *chunked_out) {
    size_t len = 0;
    size_t end = 0;
    for (;;) {
        ssize_t n = read(fd, big + len, sizeof big - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { fprintf(stderr, "loadgen: connection ended before the answer's head\n"); return -1; }
        len += (size_t)n;
        if ((end = head_end(big, len))) break;
        if (len == sizeof big) { fprintf(stderr, "loadgen: head too large\n"); return -1; }
    }
    struct head_info h;
    if (parse_response_head(big, end, &h) != 0 || h.status != expect_status) {
        fprintf(stderr, "loadgen: expected %d, answer began: %.*s\n", expect_status, (int)(len < 400 ? len : 400), big);
        return -1;
    }
    if (chunked_out) *chunked_out = h.framing == FR_CHUNKED;
    uint64_t got = 0;
    struct chunk_decoder ch;
    chunk_init(&ch);
    size_t off = end;
    for (;;) {
        size_t avail = len - off;
        if (h.framing == FR_LENGTH) {
            got += avail;
            if (got > h.length) { fprintf(stderr, "loadgen: more bytes than Content-Length\n"); return -1; }
            if (got == h.length) return (int64_t)got;
        } else if (h.framing == FR_CHUNKED) {
            size_t used = chunk_feed(&ch, big + off, avail);
            if (ch.state == CH_ERROR) { fprintf(stderr, "loadgen: bad chunked framing\n"); return -1; }
            if (ch.state == CH_DONE) {
                if (used != avail) { fprintf(stderr, "loadgen: bytes after the last chunk\n"); return -1; }
                return (int64_t)ch.data;
            }
        } else if (h.framing == FR_NONE) {
            return avail ? -1 : 0;
        } else {
            fprintf(stderr, "loadgen: answer framed until close\n");
            return -1;
        }
        ssize_t n;
        do n = read(fd, big, sizeof big); while (n < 0 && errno == EINTR);
        if (n <= 0) { fprintf(stderr, "loadgen: connection ended mid-body after %llu bytes\n", (unsigned long long)(h.framing == FR_CHUNKED ? ch.data : got)); return -1; }
        len = (size_t)n;
        off = 0;
    }
}

static int run_stream(int upload) {
    int fd = unix_connect(opt_socket);
    if (fd < 0) die("connect");
    set_timeouts(fd, 60);
    int payload = upload ? payload_memfd(opt_chunked) : -1;
    uint64_t size = opt_size - (opt_chunked ? opt_size % CHUNK_DATA : 0);
    struct cpu_sample cpu0 = {0}, cpu1 = {0};
    if (opt_cpu_pid) tree_cpu(opt_cpu_pid, &cpu0);
    uint64_t t0 = now_ns();
    double best = 0;
    for (int rep = 0; rep < opt_reps; rep++) {
        uint64_t r0 = now_ns();
        char head[1024];
        int n;
        if (upload) {
            char framing[64];
            if (opt_chunked) snprintf(framing, sizeof framing, "Transfer-Encoding: chunked\r\n");
            else snprintf(framing, sizeof framing, "Content-Length: %llu\r\n", (unsigned long long)size);
            n = snprintf(head, sizeof head,
                         "PUT /v1.41/containers/bench/archive?path=%%2Ftmp HTTP/1.1\r\n" HOST_HEADERS
                         "Content-Type: application/x-tar\r\n%s\r\n", framing);
            if (send_all(fd, head, (size_t)n) != 0) die("send head");
            off_t wrap = opt_chunked ? (off_t)CHUNK_FRAME * PAYLOAD_FRAMES : (off_t)PAYLOAD_BYTES;
            uint64_t wire = opt_chunked ? size / CHUNK_DATA * CHUNK_FRAME : size;
            if (sendfile_all(fd, payload, wire, wrap) != 0) die("sendfile body");
            if (opt_chunked && send_all(fd, "0\r\n\r\n", 5) != 0) die("send last chunk");
            if (read_answer(fd, 200, NULL) != 0) { fprintf(stderr, "loadgen: upload not answered 200 with an empty body\n"); return 1; }
        } else {
            n = snprintf(head, sizeof head,
                         "GET /v1.41/containers/bench/archive?path=%%2Fdata&size=%llu&mode=%s HTTP/1.1\r\n" HOST_HEADERS "\r\n",
                         (unsigned long long)size, opt_chunked ? "chunked" : "length");
            if (send_all(fd, head, (size_t)n) != 0) die("send head");
            int chunked = 0;
            int64_t got = read_answer(fd, 200, &chunked);
            if (got != (int64_t)size || chunked != opt_chunked) {
                fprintf(stderr, "loadgen: downloaded %lld bytes (%s), expected %llu (%s)\n", (long long)got,
                        chunked ? "chunked" : "length", (unsigned long long)size, opt_chunked ? "chunked" : "length");
                return 1;
            }
        }
        double mibs = (double)size / 1048576.0 / ((double)(now_ns() - r0) / 1e9);
        if (mibs > best) best = mibs;
    }
    uint64_t t1 = now_ns();
    if (opt_cpu_pid) tree_cpu(opt_cpu_pid, &cpu1);
    double secs = (double)(t1 - t0) / 1e9;
    double gib = (double)size * opt_reps / 1073741824.0;
    double cpu_s = (double)cpu_between(&cpu0, &cpu1) / 1e9;
    printf("bytes=%llu reps=%d seconds=%.3f mib_s=%.0f best_mib_s=%.0f cpu_s=%.2f cpu_s_per_gib=%.3f errors=0\n",
           (unsigned long long)size * (unsigned long long)opt_reps, opt_reps, secs, gib * 1024.0 / secs, best, cpu_s,
           cpu_s / gib);
    close(fd);
    return 0;
}

/* ---- idle connections --------------------------------------------------- */

static int ping_round(struct rconn **cs, int n, int ep) {
    int pending = 0;
    for (int i = 0; i < n; i++) {
        if (rconn_send(cs[i]) != 0) report_error("send on a held connection failed", cs[i]);
        else pending++;
    }
    int answered = 0;
    uint64_t deadline = now_ns() + 30000000000ull;
    struct epoll_event evs[256];
    while (pending > 0 && now_ns() < deadline) {
        int k = epoll_wait(ep, evs, 256, 200);
        for (int i = 0; i < k; i++) {
            struct rconn *c = evs[i].data.ptr;
            int r = rconn_readable(c);
            if (r == 0) continue;
            if (r > 0 && c->extra == 0 && !c->h.close) answered++;
            pending--;
            /* Quiet until the next round: a later EOF shows up then. */
            struct epoll_event ev = {.events = 0, .data.ptr = c};
            epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        }
    }
    for (int i = 0; i < n; i++) {
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cs[i]};
        epoll_ctl(ep, EPOLL_CTL_MOD, cs[i]->fd, &ev);
    }
    return answered;
}

static void print_mem(const char *tag, struct mem m) {
    printf(" %s_rss_kb=%llu %s_pss_kb=%llu %s_pte_kb=%llu %s_threads=%llu %s_procs=%llu", tag,
           (unsigned long long)m.rss_kb, tag, (unsigned long long)m.pss_kb, tag, (unsigned long long)m.pte_kb, tag,
           (unsigned long long)m.threads, tag, (unsigned long long)m.procs);
}

static void settle(void) {
    struct timespec ts = {opt_settle_ms / 1000, (opt_settle_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int run_idle(void) {
    build_request("GET", "/_ping");
    opt_expect = 200;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct mem base = tree_mem(opt_mem_pid);
    uint64_t avail0 = mem_available_kb(), ks0 = kernel_stack_kb();
    struct rconn **cs = calloc((size_t)opt_conns, sizeof *cs);
    int opened = 0;
    for (int i = 0; i < opt_conns; i++) {
        cs[i] = calloc(1, sizeof **cs);
        if (rconn_open(cs[i]) != 0) { fprintf(stderr, "loadgen: connection %d: %s\n", i, strerror(errno)); break; }
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = cs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i]->fd, &ev);
        opened++;
    }
    settle();
    /* A connection the proxy dropped while idle shows up as readable (EOF). */
    struct mem connected = tree_mem(opt_mem_pid);
    uint64_t avail1 = mem_available_kb(), ks1 = kernel_stack_kb();
    int first = ping_round(cs, opened, ep);
    settle();
    struct mem used = tree_mem(opt_mem_pid);
    uint64_t avail2 = mem_available_kb(), ks2 = kernel_stack_kb();
    int second = ping_round(cs, opened, ep);
    printf("conns=%d opened=%d answered1=%d answered2=%d", opt_conns, opened, first, second);
    print_mem("base", base);
    print_mem("conn", connected);
    print_mem("used", used);
    printf(" sys_used_delta_conn_kb=%lld sys_used_delta_used_kb=%lld kstack_delta_conn_kb=%lld kstack_delta_used_kb=%lld errors=%llu\n",
           (long long)avail0 - (long long)avail1, (long long)avail0 - (long long)avail2,
           (long long)ks1 - (long long)ks0, (long long)ks2 - (long long)ks0, (unsigned long long)errors);
    for (int i = 0; i < opened; i++) close(cs[i]->fd);
    return opened == opt_conns && first == opened && second == opened ? 0 : 1;
}

/* ---- main --------------------------------------------------------------- */

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: loadgen rr|download|upload|idle --socket PATH [options] (see the source)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }
    const char *mode = argv[1];
    static struct option longopts[] = {
        {"socket", 1, 0, 's'}, {"conns", 1, 0, 'c'}, {"duration", 1, 0, 'd'}, {"warmup", 1, 0, 'w'},
        {"method", 1, 0, 'm'}, {"path", 1, 0, 'p'}, {"header", 1, 0, 'H'}, {"body-file", 1, 0, 'b'},
        {"expect", 1, 0, 'e'}, {"cpu-pid", 1, 0, 'P'}, {"mem-pid", 1, 0, 'M'}, {"size", 1, 0, 'S'},
        {"mode", 1, 0, 'o'}, {"reps", 1, 0, 'r'}, {"settle-ms", 1, 0, 't'}, {0, 0, 0, 0}};
    int ch;
    optind = 2;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 's': opt_socket = optarg; break;
        case 'c': opt_conns = atoi(optarg); break;
        case 'd': opt_duration = atof(optarg); break;
        case 'w': opt_warmup = atof(optarg); break;
        case 'm': opt_method = optarg; break;
        case 'p': opt_path = optarg; break;
        case 'H':
            strncat(opt_headers, optarg, sizeof opt_headers - strlen(opt_headers) - 3);
            strcat(opt_headers, "\r\n");
            break;
        case 'b': opt_body_file = optarg; break;
        case 'e': opt_expect = atoi(optarg); break;
        case 'P': opt_cpu_pid = atoi(optarg); break;
        case 'M': opt_mem_pid = atoi(optarg); break;
        case 'S': opt_size = strtoull(optarg, NULL, 10); break;
        case 'o': opt_chunked = strcmp(optarg, "chunked") == 0; break;
        case 'r': opt_reps = atoi(optarg); break;
        case 't': opt_settle_ms = atoi(optarg); break;
        default: return 2;
        }
    }
    if (!opt_socket) { fprintf(stderr, "loadgen: --socket is required\n"); return 2; }
    if (!strcmp(mode, "rr")) return run_rr();
    if (!strcmp(mode, "download")) return run_stream(0);
    if (!strcmp(mode, "upload")) return run_stream(1);
    if (!strcmp(mode, "idle")) return run_idle();
    fprintf(stderr, "loadgen: unknown mode %s\n", mode);
    return 2;
}
