/* fakedaemon: a fast stand-in for dockerd on a Unix socket, for the benchmark.
 *
 * One thread, epoll, non-blocking sockets, keep-alive. It answers only what
 * the benchmark sends, with the headers dockerd 20.10 sends:
 *
 *   GET|HEAD /_ping                          200 "OK"
 *   POST /containers/create                  201 {"Id":...,"Warnings":[]}
 *   GET  /containers/{id}/archive?size=N&mode=length|chunked
 *                                            200, N bytes of tar-ish data, with
 *                                            Content-Length or 32 KiB chunks
 *   PUT  /containers/{id}/archive?path=...   reads the body (length or chunked), 200
 *   GET  /containers/{id}/json               200, an inspect of a plain container
 *                                            (sockwarden looks up the container of a copy)
 *   GET  /version, GET /info                 200, dockerd 20.10.24 on overlay2 (sockwarden asks
 *                                            them before a copy: ArchiveRaceGuard)
 *   anything else                            404 {"message":"page not found"}
 *
 * Paths may carry a /vX.Y prefix. Downloads are sent with sendfile(2) from a
 * memfd, so the daemon's side of a stream costs no user-space copy and the
 * proxy under test is what limits throughput. A request with
 * "Connection: close" (HAProxy in http-server-close mode) gets its answer and
 * then the connection is closed, as Go's server does.
 *
 * Usage: fakedaemon SOCKET_PATH
 */
#include "common.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#define IN_CAP (64 * 1024)
#define OUT_CAP 2048
#define SCRATCH (1024 * 1024)

enum cstate { S_HEAD, S_BODY, S_WRITE };
enum route { R_PING, R_CREATE, R_DOWNLOAD, R_UPLOAD, R_INSPECT, R_VERSION, R_INFO, R_NOTFOUND };

struct conn {
    int fd;
    enum cstate state;
    int want_out;             /* EPOLLOUT registered */
    struct head_info req;
    enum route route;
    uint64_t body_left;       /* FR_LENGTH */
    struct chunk_decoder ch;  /* FR_CHUNKED */
    /* response */
    char out[OUT_CAP];
    size_t out_len, out_off;
    int sf_fd;
    uint64_t sf_left;
    off_t sf_off;
    off_t sf_wrap;
    const char *tail;
    size_t tail_len, tail_off;
    int close_after;
    uint64_t dl_size;
    int dl_chunked;
    size_t in_len;
    uint8_t in[IN_CAP];
};

static int ep;
static int data_fd, frames_fd;
static uint8_t scratch[SCRATCH];
static char date_line[64];
static time_t date_sec;

static const char *CONTAINER_ID = "2f1c5b1b0e6e4d7c9a3f8e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a098";

static void refresh_date(void) {
    time_t t = time(NULL);
    if (t == date_sec) return;
    date_sec = t;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date_line, sizeof date_line, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

static void set_events(struct conn *c, int out) {
    if (c->want_out == out) return;
    struct epoll_event ev = {.events = out ? EPOLLOUT : EPOLLIN, .data.ptr = c};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) != 0) die("epoll_ctl mod");
    c->want_out = out;
}

static void close_conn(struct conn *c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
}

/* Path without /vX.Y and without the query. */
static const char *route_path(const char *target, char *buf, size_t buflen) {
    const char *p = target;
    if (p[0] == '/' && p[1] == 'v' && isdigit((unsigned char)p[2])) {
        const char *q = p + 2;
        while (isdigit((unsigned char)*q) || *q == '.') q++;
        if (*q == '/') p = q;
    }
    size_t n = strcspn(p, "?");
    if (n >= buflen) n = buflen - 1;
    memcpy(buf, p, n);
    buf[n] = 0;
    return buf;
}

static uint64_t query_u64(const char *target, const char *key, uint64_t dflt) {
    const char *q = strchr(target, '?');
    size_t kl = strlen(key);
    while (q) {
        q++;
        if (strncmp(q, key, kl) == 0 && q[kl] == '=') return strtoull(q + kl + 1, NULL, 10);
        q = strchr(q, '&');
    }
    return dflt;
}

static int query_has(const char *target, const char *kv) {
    const char *q = strchr(target, '?');
    size_t l = strlen(kv);
    while (q) {
        q++;
        if (strncmp(q, kv, l) == 0 && (q[l] == 0 || q[l] == '&')) return 1;
        q = strchr(q, '&');
    }
    return 0;
}

static void pick_route(struct conn *c) {
    char path[512];
    route_path(c->req.target, path, sizeof path);
    const char *m = c->req.method;
    size_t pl = strlen(path);
    int archive = strncmp(path, "/containers/", 12) == 0 && pl > 20 && strcmp(path + pl - 8, "/archive") == 0;
    if (strcmp(path, "/_ping") == 0 && (!strcmp(m, "GET") || !strcmp(m, "HEAD"))) c->route = R_PING;
    else if (strcmp(path, "/containers/create") == 0 && !strcmp(m, "POST")) c->route = R_CREATE;
    else if (archive && !strcmp(m, "GET")) {
        c->route = R_DOWNLOAD;
        c->dl_size = query_u64(c->req.target, "size", 1 << 20);
        c->dl_chunked = query_has(c->req.target, "mode=chunked");
    } else if (archive && !strcmp(m, "PUT")) c->route = R_UPLOAD;
    else if (strncmp(path, "/containers/", 12) == 0 && pl > 17 && strcmp(path + pl - 5, "/json") == 0 && !strcmp(m, "GET"))
        c->route = R_INSPECT;
    else if (strcmp(path, "/version") == 0 && !strcmp(m, "GET")) c->route = R_VERSION;
    else if (strcmp(path, "/info") == 0 && !strcmp(m, "GET")) c->route = R_INFO;
    else c->route = R_NOTFOUND;
}

static void respond(struct conn *c) {
    refresh_date();
    const char *conn_hdr = c->req.close ? "Connection: close\r\n" : "";
    c->close_after = c->req.close;
    c->out_off = 0;
    c->sf_left = 0;
    c->tail = NULL;
    int n = 0;
    switch (c->route) {
    case R_PING:
        n = snprintf(c->out, OUT_CAP,
                     "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nCache-Control: no-cache, no-store, must-revalidate\r\n"
                     "Content-Length: 2\r\nContent-Type: text/plain; charset=utf-8\r\nDocker-Experimental: false\r\n"
                     "Ostype: linux\r\nPragma: no-cache\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n%s%s\r\n%s",
                     conn_hdr, date_line, strcmp(c->req.method, "HEAD") ? "OK" : "");
        break;
    case R_CREATE: {
        char body[128];
        int bl = snprintf(body, sizeof body, "{\"Id\":\"%s\",\"Warnings\":[]}\n", CONTAINER_ID);
        n = snprintf(c->out, OUT_CAP,
                     "HTTP/1.1 201 Created\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                     "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n"
                     "%s%sContent-Length: %d\r\n\r\n%s",
                     conn_hdr, date_line, bl, body);
        break;
    }
    case R_DOWNLOAD: {
        uint64_t size = c->dl_size;
        if (c->dl_chunked) size -= size % CHUNK_DATA;  /* whole 32 KiB chunks only */
        char framing[64];
        if (c->dl_chunked) snprintf(framing, sizeof framing, "Transfer-Encoding: chunked\r\n");
        else snprintf(framing, sizeof framing, "Content-Length: %llu\r\n", (unsigned long long)size);
        n = snprintf(c->out, OUT_CAP,
                     "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/x-tar\r\n"
                     "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n"
                     "X-Docker-Container-Path-Stat: eyJuYW1lIjoiZGF0YSIsInNpemUiOjB9\r\n%s%s%s\r\n",
                     framing, conn_hdr, date_line);
        if (c->dl_chunked) {
            c->sf_fd = frames_fd;
            c->sf_left = size / CHUNK_DATA * CHUNK_FRAME;
            c->sf_wrap = (off_t)CHUNK_FRAME * PAYLOAD_FRAMES;
            c->tail = "0\r\n\r\n";
            c->tail_len = 5;
        } else {
            c->sf_fd = data_fd;
            c->sf_left = size;
            c->sf_wrap = (off_t)PAYLOAD_BYTES;
        }
        c->sf_off = 0;
        c->tail_off = 0;
        break;
    }
    case R_UPLOAD:
        n = snprintf(c->out, OUT_CAP,
                     "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: false\r\nOstype: linux\r\n"
                     "Server: Docker/20.10.24+dfsg1 (linux)\r\n%s%sContent-Length: 0\r\n\r\n",
                     conn_hdr, date_line);
        break;
    case R_INSPECT: {
        char body[256];
        int bl = snprintf(body, sizeof body, "{\"Id\":\"%s\",\"Name\":\"/bench\",\"HostConfig\":{\"NetworkMode\":\"none\"}}\n",
                          CONTAINER_ID);
        n = snprintf(c->out, OUT_CAP,
                     "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                     "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n"
                     "%s%sContent-Length: %d\r\n\r\n%s",
                     conn_hdr, date_line, bl, body);
        break;
    }
    case R_VERSION:
    case R_INFO: {
        const char *body = c->route == R_VERSION
            ? "{\"Version\":\"20.10.24+dfsg1\",\"ApiVersion\":\"1.41\"}\n"
            : "{\"Driver\":\"overlay2\",\"DriverStatus\":[[\"Native Overlay Diff\",\"true\"]]}\n";
        n = snprintf(c->out, OUT_CAP,
                     "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
                     "Server: Docker/20.10.24+dfsg1 (linux)\r\n%s%sContent-Length: %zu\r\n\r\n%s",
                     conn_hdr, date_line, strlen(body), body);
        break;
    }
    case R_NOTFOUND:
        n = snprintf(c->out, OUT_CAP,
                     "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n%s%sContent-Length: 29\r\n\r\n"
                     "{\"message\":\"page not found\"}\n",
                     conn_hdr, date_line);
        break;
    }
    c->out_len = (size_t)n;
    c->state = S_WRITE;
}

/* 1: all written; 0: would block; -1: peer gone. */
static int flush_out(struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        c->out_off += (size_t)n;
    }
    while (c->sf_left > 0) {
        size_t count = (size_t)(c->sf_wrap - c->sf_off);
        if ((uint64_t)count > c->sf_left) count = (size_t)c->sf_left;
        ssize_t n = sendfile(c->fd, c->sf_fd, &c->sf_off, count);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        if (n == 0) return -1;
        c->sf_left -= (uint64_t)n;
        if (c->sf_off == c->sf_wrap) c->sf_off = 0;
    }
    while (c->tail && c->tail_off < c->tail_len) {
        ssize_t n = send(c->fd, c->tail + c->tail_off, c->tail_len - c->tail_off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno == EAGAIN ? 0 : -1;
        }
        c->tail_off += (size_t)n;
    }
    return 1;
}

/* Consumes body bytes from p[0..n); returns how many belong to the body. */
static size_t eat_body(struct conn *c, const uint8_t *p, size_t n, int *done) {
    if (c->req.framing == FR_LENGTH) {
        size_t take = n;
        if ((uint64_t)take > c->body_left) take = (size_t)c->body_left;
        c->body_left -= take;
        *done = c->body_left == 0;
        return take;
    }
    size_t used = chunk_feed(&c->ch, p, n);
    if (c->ch.state == CH_ERROR) { *done = -1; return used; }
    *done = c->ch.state == CH_DONE;
    return used;
}

static void handle(struct conn *c) {
    for (int answered = 0;;) {
        if (c->state == S_WRITE) {
            int r = flush_out(c);
            if (r < 0) { close_conn(c); return; }
            if (r == 0) { set_events(c, 1); return; }
            if (c->close_after) { shutdown(c->fd, SHUT_WR); close_conn(c); return; }
            set_events(c, 0);
            c->state = S_HEAD;
            /* Let other connections in now and then; level-triggered epoll
             * comes back for whatever is still unread on the socket. */
            if (++answered >= 32 && c->in_len == 0) return;
            continue;
        }
        if (c->state == S_HEAD) {
            size_t end = head_end(c->in, c->in_len);
            if (!end) {
                if (c->in_len == IN_CAP) { close_conn(c); return; }
                ssize_t n = read(c->fd, c->in + c->in_len, IN_CAP - c->in_len);
                if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
                if (n <= 0) { close_conn(c); return; }
                c->in_len += (size_t)n;
                continue;
            }
            if (parse_request_head(c->in, end, &c->req) != 0) { close_conn(c); return; }
            memmove(c->in, c->in + end, c->in_len - end);
            c->in_len -= end;
            pick_route(c);
            if (c->req.framing == FR_NONE) { respond(c); continue; }
            c->body_left = c->req.length;
            chunk_init(&c->ch);
            c->state = S_BODY;
            continue;
        }
        /* S_BODY: first what is buffered, then straight from the socket. */
        int done = 0;
        if (c->in_len) {
            size_t used = eat_body(c, c->in, c->in_len, &done);
            memmove(c->in, c->in + used, c->in_len - used);
            c->in_len -= used;
        }
        while (!done) {
            size_t want = SCRATCH;
            if (c->req.framing == FR_LENGTH && c->body_left < want) want = (size_t)c->body_left;
            ssize_t n = read(c->fd, scratch, want);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) return;
            if (n <= 0) { close_conn(c); return; }
            size_t used = eat_body(c, scratch, (size_t)n, &done);
            if (done < 0) break;
            if (used < (size_t)n) {  /* pipelined bytes after a chunked body */
                memcpy(c->in, scratch + used, (size_t)n - used);
                c->in_len = (size_t)n - used;
            }
        }
        if (done < 0) { close_conn(c); return; }
        respond(c);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: fakedaemon SOCKET_PATH\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) { rl.rlim_cur = rl.rlim_max; setrlimit(RLIMIT_NOFILE, &rl); }
    data_fd = payload_memfd(0);
    frames_fd = payload_memfd(1);

    const char *path = argv[1];
    unlink(path);
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (lfd < 0) die("socket");
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; die(path); }
    strcpy(a.sun_path, path);
    if (bind(lfd, (struct sockaddr *)&a, sizeof a) != 0) die("bind");
    if (listen(lfd, 4096) != 0) die("listen");

    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) die("epoll_create1");
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) != 0) die("epoll_ctl listener");

    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("epoll_wait");
        }
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == NULL) {
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                    if (fd < 0) break;
                    struct conn *c = malloc(sizeof *c);
                    if (!c) die("malloc");
                    c->fd = fd;
                    c->state = S_HEAD;
                    c->want_out = 0;
                    c->in_len = 0;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
                    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl add");
                }
                continue;
            }
            handle(evs[i].data.ptr);
        }
    }
}
