/* relay: the cheapest proxy the benchmark knows how to write, as a floor.
 *
 *   relay LISTEN-SOCKET UPSTREAM-SOCKET [WORK-NS]
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
    return flush(s);
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
    if (argc != 3 && argc != 4) { fprintf(stderr, "usage: relay LISTEN-SOCKET UPSTREAM-SOCKET [WORK-NS]\n"); return 2; }
    if (argc == 4) work_ns = atol(argv[3]);
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
            rearm(s);
            rearm(s->peer);
        }
        free_dead();
    }
}
