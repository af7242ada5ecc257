/* relay: the cheapest proxy the benchmark knows how to write, as a floor.
 *
 *   relay LISTEN-SOCKET UPSTREAM-SOCKET [WORK-NS [SENDS]]
 *
 * One thread, one epoll set, non-blocking Unix sockets: each accepted
 * connection gets its own upstream connection, and bytes are copied both ways
 * through a 64 KiB buffer per direction (allocated on first use), with no
 * parsing, judging or logging. It does exactly the kernel work any proxy that
 * relays through user space must do for a request (two reads, two sends, the
 * epoll waits and the context switches they bring) and nothing else, so
 * `sockwarden − relay` in the same case is what sockwarden's own work costs,
 * and a target `relay` misses is out of reach for any such proxy on the
 * machine. (socat is a floor too, but with a process per connection and
 * select(2) it is not the cheapest way to relay many connections.)
 *
 * SENDS (default at-once) is when it sends what it read: at-once, right after
 * each read; deferred, after every ready connection of the epoll batch has
 * been read, one send(2) each; io-uring, the same, all in one io_uring_enter
 * (what sockwarden's event loop does: see bench/README.md, "Sends at the end
 * of a batch").
 *
 * WORK-NS (default 0) makes it spin for that many nanoseconds of its own CPU
 * time before each read: a stand-in for the work a real proxy does on a
 * request, to see what added work costs on the machine (on these VMs, with
 * everything on one CPU, a few microseconds more per request tips the relay
 * from being preempted about once per ten requests to about twice per
 * request: see bench/README.md, "Where a ping's time goes"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/io_uring.h>

/* A minimal io_uring (no liburing): one submission and one completion queue,
 * used only to make a batch of sends (MSG_DONTWAIT: each completes at once) in
 * one system call. */
static int ring_fd;
static unsigned *sq_head, *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
static struct io_uring_sqe *sqes;
static struct io_uring_cqe *cqes;
static int mode; /* SENDS: 0 at-once, 1 deferred (send(2) each), 2 io-uring (one io_uring_enter) */

static void ring_init(unsigned entries) {
    struct io_uring_params p; memset(&p, 0, sizeof p);
    ring_fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (ring_fd < 0) { perror("io_uring_setup"); exit(1); }
    size_t sqsz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cqsz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(0, sqsz, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, ring_fd, IORING_OFF_SQ_RING);
    char *cq = (p.features & IORING_FEAT_SINGLE_MMAP) ? sq : mmap(0, cqsz, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, ring_fd, IORING_OFF_CQ_RING);
    if (p.features & IORING_FEAT_SINGLE_MMAP) { if (cqsz > sqsz) { munmap(sq, sqsz); sq = cq = mmap(0, cqsz, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, ring_fd, IORING_OFF_SQ_RING);} }
    sqes = mmap(0, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ|PROT_WRITE, MAP_SHARED|MAP_POPULATE, ring_fd, IORING_OFF_SQES);
    sq_head = (unsigned*)(sq + p.sq_off.head); sq_tail = (unsigned*)(sq + p.sq_off.tail);
    sq_mask = (unsigned*)(sq + p.sq_off.ring_mask); sq_array = (unsigned*)(sq + p.sq_off.array);
    cq_head = (unsigned*)(cq + p.cq_off.head); cq_tail = (unsigned*)(cq + p.cq_off.tail);
    cq_mask = (unsigned*)(cq + p.cq_off.ring_mask); cqes = (struct io_uring_cqe*)(cq + p.cq_off.cqes);
}

#define BUF (64 * 1024)

/* One direction of a connection pair: bytes read from `fd`, waiting to be
 * written to the peer's fd. */
struct side {
    int fd;
    struct side *peer;
    char *buf;
    size_t off, len;
    int eof;   /* fd said end-of-file; the peer's write side is shut once len == 0 */
    int shut;  /* the peer's write side has been shut */
};

static int ep;

static void die(const char *what) { perror(what); exit(1); }

static int unix_socket(const char *path, int listening) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) { fprintf(stderr, "relay: path too long\n"); exit(2); }
    strcpy(a.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (listening ? SOCK_NONBLOCK : 0), 0);
    if (fd < 0) return -1;
    if (listening) {
        unlink(path);
        if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4096) != 0) die("bind/listen");
    } else if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    } else {
        fcntl(fd, F_SETFL, O_NONBLOCK);
    }
    return fd;
}

/* What `s`'s fd waits for: input while nothing of it waits for the peer,
 * output while the peer has bytes waiting for it. */
static void rearm(struct side *s) {
    struct epoll_event ev = {.data.ptr = s};
    if (!s->eof && s->len == 0) ev.events |= EPOLLIN;
    if (s->peer->len > 0) ev.events |= EPOLLOUT;
    epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
}

/* Pairs closed while handling one epoll batch, freed after it (a later
 * event of the same batch may name the other side). */
static struct side *dead[512];
static int ndead;

static void close_pair(struct side *s) {
    struct side *p = s->peer;
    close(s->fd);
    close(p->fd);
    s->fd = p->fd = -1;
    dead[ndead++] = s < p ? s : p; /* both sides live in one allocation */
}

static void free_dead(void) {
    for (int i = 0; i < ndead; i++) {
        free(dead[i][0].buf);
        free(dead[i][1].buf);
        free(dead[i]);
    }
    ndead = 0;
}

/* Writes what `s` holds to its peer; 0 when the pair lives on, -1 when it ended. */
static int flush(struct side *s) {
    while (s->len > 0) {
        ssize_t n = send(s->peer->fd, s->buf + s->off, s->len, MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN ? 0 : -1;
        s->off += (size_t)n;
        s->len -= (size_t)n;
    }
    s->off = 0;
    if (s->eof && !s->shut) {
        shutdown(s->peer->fd, SHUT_WR);
        s->shut = 1;
    }
    return s->shut && s->peer->shut ? -1 : 0;
}

static long work_ns;
static struct side *pending[1024];
static int npending;


static void work(void) {
    struct timespec a, b;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    do clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    while ((b.tv_sec - a.tv_sec) * 1000000000L + (b.tv_nsec - a.tv_nsec) < work_ns);
}

static int readable(struct side *s) {
    if (work_ns > 0) work();
    if (!s->buf && !(s->buf = malloc(BUF))) die("malloc");
    ssize_t n = recv(s->fd, s->buf, BUF, 0);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    if (n == 0) s->eof = 1;
    s->len = (size_t)n;
    if (mode == 0 || n == 0) return flush(s);
    pending[npending++] = s;
    return 1;
}

static void accept_all(int lfd, const char *upstream) {
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0) return;
        int u = unix_socket(upstream, 0);
        if (u < 0) { close(c); continue; }
        struct side *pair = calloc(2, sizeof *pair);
        if (!pair) die("calloc");
        pair[0] = (struct side){.fd = c, .peer = &pair[1]};
        pair[1] = (struct side){.fd = u, .peer = &pair[0]};
        struct epoll_event e0 = {.events = EPOLLIN, .data.ptr = &pair[0]};
        struct epoll_event e1 = {.events = EPOLLIN, .data.ptr = &pair[1]};
        epoll_ctl(ep, EPOLL_CTL_ADD, c, &e0);
        epoll_ctl(ep, EPOLL_CTL_ADD, u, &e1);
    }
}

int main(int argc, char **argv) {
    if (argc < 3 || argc > 5) { fprintf(stderr, "usage: relay LISTEN-SOCKET UPSTREAM-SOCKET [WORK-NS [at-once|deferred|io-uring]]\n"); return 2; }
    if (argc >= 4) work_ns = atol(argv[3]);
    if (argc == 5) {
        if (strcmp(argv[4], "at-once") == 0) mode = 0;
        else if (strcmp(argv[4], "deferred") == 0) mode = 1;
        else if (strcmp(argv[4], "io-uring") == 0) mode = 2;
        else { fprintf(stderr, "relay: SENDS must be at-once, deferred or io-uring\n"); return 2; }
    }
    if (mode == 2) ring_init(1024);
    signal(SIGPIPE, SIG_IGN);
    int lfd = unix_socket(argv[1], 1);
    if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0) die("epoll_create1");
    static int listener_tag;
    struct epoll_event le = {.events = EPOLLIN, .data.ptr = &listener_tag};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &le);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == &listener_tag) { accept_all(lfd, argv[2]); continue; }
            struct side *s = evs[i].data.ptr;
            if (s->fd < 0) continue; /* closed earlier in this batch */
            uint32_t e = evs[i].events;
            int r = 0;
            /* Output first: the peer's bytes waiting for this fd. */
            if (e & EPOLLOUT) r = flush(s->peer);
            if (r == 0 && !s->eof && s->len == 0 && (e & (EPOLLIN | EPOLLERR | EPOLLHUP))) r = readable(s);
            else if (r == 0 && (e & (EPOLLERR | EPOLLHUP))) r = -1; /* nothing more can come or go */
            if (r < 0) { close_pair(s); continue; }
            if (r == 1) continue; /* deferred: rearmed after the batch's sends */
            rearm(s);
            rearm(s->peer);
        }
        if (npending) {
            if (mode == 2) {
                unsigned tail = *sq_tail;
                for (int i = 0; i < npending; i++) {
                    struct side *s = pending[i];
                    unsigned idx = tail & *sq_mask;
                    struct io_uring_sqe *q = &sqes[idx];
                    memset(q, 0, sizeof *q);
                    q->opcode = IORING_OP_SEND; q->fd = s->peer->fd;
                    q->addr = (uint64_t)(uintptr_t)(s->buf + s->off); q->len = (unsigned)s->len;
                    q->msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT; q->user_data = (uint64_t)(uintptr_t)s;
                    sq_array[idx] = idx; tail++;
                }
                __atomic_store_n(sq_tail, tail, __ATOMIC_RELEASE);
                int r = (int)syscall(__NR_io_uring_enter, ring_fd, npending, npending, IORING_ENTER_GETEVENTS, NULL, 0);
                if (r < 0) die("io_uring_enter");
                unsigned h = *cq_head;
                while (h != __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE)) {
                    struct io_uring_cqe *c = &cqes[h & *cq_mask];
                    struct side *s = (struct side*)(uintptr_t)c->user_data;
                    if (c->res > 0) { s->off += (size_t)c->res; s->len -= (size_t)c->res; if (s->len == 0) s->off = 0; }
                    h++;
                }
                __atomic_store_n(cq_head, h, __ATOMIC_RELEASE);
                for (int i = 0; i < npending; i++) {
                    struct side *s = pending[i];
                    if (s->fd < 0) continue;
                    if (flush(s) < 0) { close_pair(s); continue; }
                    rearm(s); rearm(s->peer);
                }
            } else {
                for (int i = 0; i < npending; i++) {
                    struct side *s = pending[i];
                    if (s->fd < 0) continue;
                    if (flush(s) < 0) { close_pair(s); continue; }
                    rearm(s); rearm(s->peer);
                }
            }
            npending = 0;
        }
        free_dead();
    }
}
