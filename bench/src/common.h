/* Shared by the benchmark's fake daemon and load generator: a streaming
 * chunked-body decoder (RFC 9112 section 7.1), HTTP head helpers, and
 * memfd-backed payloads that sendfile(2) can stream without a user copy.
 * Benchmark code only: it assumes well-formed peers and fails loudly. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_DATA 32768                      /* what Go's io.Copy writes per chunk */
#define CHUNK_FRAME (6 + CHUNK_DATA + 2)      /* "8000\r\n" data "\r\n" */
#define PAYLOAD_FRAMES 256                    /* payload files hold 8 MiB of data */
#define PAYLOAD_BYTES ((size_t)CHUNK_DATA * PAYLOAD_FRAMES)

static inline void die(const char *what) {
    fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
    exit(2);
}

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- chunked decoding --------------------------------------------------- */

enum chunk_state {
    CH_SIZE, CH_EXT, CH_SIZE_LF, CH_DATA, CH_DATA_CR, CH_DATA_LF,
    CH_TRAILER_START, CH_TRAILER_LINE, CH_FINAL_LF, CH_DONE, CH_ERROR
};

struct chunk_decoder {
    enum chunk_state state;
    uint64_t size;       /* size of the chunk being read */
    int digits;
    uint64_t data;       /* data bytes decoded so far */
};

static inline void chunk_init(struct chunk_decoder *c) { memset(c, 0, sizeof *c); }

static inline int hexval(uint8_t b) {
    if (b >= '0' && b <= '9') return b - '0';
    if (b >= 'a' && b <= 'f') return b - 'a' + 10;
    if (b >= 'A' && b <= 'F') return b - 'A' + 10;
    return -1;
}

/* Feeds bytes; returns how many were consumed (stops after the last chunk's
 * final CRLF). Check c->state for CH_DONE / CH_ERROR. */
static inline size_t chunk_feed(struct chunk_decoder *c, const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n && c->state != CH_DONE && c->state != CH_ERROR) {
        uint8_t b = p[i];
        switch (c->state) {
        case CH_SIZE: {
            int v = hexval(b);
            if (v >= 0 && c->digits < 15) { c->size = c->size * 16 + (uint64_t)v; c->digits++; i++; }
            else if (b == ';' && c->digits) { c->state = CH_EXT; i++; }
            else if (b == '\r' && c->digits) { c->state = CH_SIZE_LF; i++; }
            else c->state = CH_ERROR;
            break;
        }
        case CH_EXT:
            if (b == '\r') c->state = CH_SIZE_LF;
            i++;
            break;
        case CH_SIZE_LF:
            if (b != '\n') { c->state = CH_ERROR; break; }
            i++;
            c->state = c->size ? CH_DATA : CH_TRAILER_START;
            break;
        case CH_DATA: {
            size_t take = n - i;
            if ((uint64_t)take > c->size) take = (size_t)c->size;
            c->size -= take;
            c->data += take;
            i += take;
            if (c->size == 0) c->state = CH_DATA_CR;
            break;
        }
        case CH_DATA_CR:
            if (b != '\r') { c->state = CH_ERROR; break; }
            i++; c->state = CH_DATA_LF;
            break;
        case CH_DATA_LF:
            if (b != '\n') { c->state = CH_ERROR; break; }
            i++; c->state = CH_SIZE; c->size = 0; c->digits = 0;
            break;
        case CH_TRAILER_START:
            i++;
            c->state = b == '\r' ? CH_FINAL_LF : CH_TRAILER_LINE;
            break;
        case CH_TRAILER_LINE:
            i++;
            if (b == '\n') c->state = CH_TRAILER_START;
            break;
        case CH_FINAL_LF:
            if (b != '\n') { c->state = CH_ERROR; break; }
            i++; c->state = CH_DONE;
            break;
        default:
            break;
        }
    }
    return i;
}

/* ---- HTTP heads --------------------------------------------------------- */

/* Offset just past "\r\n\r\n", or 0 when the head is not complete yet. */
static inline size_t head_end(const uint8_t *p, size_t n) {
    if (n < 4) return 0;
    const uint8_t *q = memmem(p, n, "\r\n\r\n", 4);
    return q ? (size_t)(q - p) + 4 : 0;
}

enum framing { FR_NONE, FR_LENGTH, FR_CHUNKED, FR_CLOSE };

struct head_info {
    int status;              /* responses */
    char method[16];         /* requests */
    char target[512];        /* requests */
    enum framing framing;
    uint64_t length;
    int close;               /* Connection: close */
};

/* Header value of `name` (case-insensitive) within head[0..len), copied into out. */
static inline int header_value(const uint8_t *head, size_t len, const char *name, char *out, size_t outlen) {
    size_t nl = strlen(name);
    const uint8_t *p = head, *end = head + len;
    const uint8_t *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
    if (!eol) return 0;
    p = eol + 2;
    while (p < end) {
        eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol || eol == p) return 0;
        if ((size_t)(eol - p) > nl && p[nl] == ':' && strncasecmp((const char *)p, name, nl) == 0) {
            const uint8_t *v = p + nl + 1;
            while (v < eol && (*v == ' ' || *v == '\t')) v++;
            size_t vl = (size_t)(eol - v);
            if (vl >= outlen) vl = outlen - 1;
            memcpy(out, v, vl);
            out[vl] = 0;
            return 1;
        }
        p = eol + 2;
    }
    return 0;
}

/* Parses framing headers shared by requests and responses. */
static inline void parse_framing(const uint8_t *head, size_t len, struct head_info *h, int is_response) {
    char v[128];
    h->framing = is_response ? FR_CLOSE : FR_NONE;
    h->length = 0;
    h->close = 0;
    if (header_value(head, len, "transfer-encoding", v, sizeof v) && strcasestr(v, "chunked")) {
        h->framing = FR_CHUNKED;
    } else if (header_value(head, len, "content-length", v, sizeof v)) {
        h->framing = FR_LENGTH;
        h->length = strtoull(v, NULL, 10);
    }
    if (header_value(head, len, "connection", v, sizeof v) && strcasestr(v, "close")) h->close = 1;
    if (is_response && (h->status == 204 || h->status == 304 || h->status / 100 == 1)) h->framing = FR_NONE;
}

static inline int parse_response_head(const uint8_t *head, size_t len, struct head_info *h) {
    if (len < 12 || memcmp(head, "HTTP/1.", 7) != 0) return -1;
    h->status = atoi((const char *)head + 9);
    parse_framing(head, len, h, 1);
    if (h->framing == FR_LENGTH && h->length == 0) h->framing = FR_NONE;
    return 0;
}

static inline int parse_request_head(const uint8_t *head, size_t len, struct head_info *h) {
    const uint8_t *sp1 = memchr(head, ' ', len);
    if (!sp1 || sp1 - head >= (long)sizeof h->method) return -1;
    memcpy(h->method, head, (size_t)(sp1 - head));
    h->method[sp1 - head] = 0;
    const uint8_t *sp2 = memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - head));
    if (!sp2 || sp2 - sp1 - 1 >= (long)sizeof h->target) return -1;
    memcpy(h->target, sp1 + 1, (size_t)(sp2 - sp1 - 1));
    h->target[sp2 - sp1 - 1] = 0;
    parse_framing(head, len, h, 0);
    if (h->framing == FR_LENGTH && h->length == 0) h->framing = FR_NONE;
    /* HTTP/1.0 without keep-alive closes after the answer (sockwarden's own look-ups). */
    const uint8_t *eol = memchr(sp2 + 1, '\r', len - (size_t)(sp2 + 1 - head));
    if (eol && eol - sp2 - 1 == 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0) h->close = 1;
    return 0;
}

/* ---- payloads ----------------------------------------------------------- */

/* An 8 MiB memfd of plain data (framed == 0) or of 256 canonical 32 KiB
 * chunk frames (framed == 1), for sendfile(2). */
static inline int payload_memfd(int framed) {
    int fd = memfd_create(framed ? "bench-frames" : "bench-data", MFD_CLOEXEC);
    if (fd < 0) die("memfd_create");
    size_t size = framed ? (size_t)CHUNK_FRAME * PAYLOAD_FRAMES : PAYLOAD_BYTES;
    if (ftruncate(fd, (off_t)size) != 0) die("ftruncate");
    uint8_t *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m == MAP_FAILED) die("mmap");
    for (size_t f = 0; f < PAYLOAD_FRAMES; f++) {
        uint8_t *d;
        if (framed) {
            uint8_t *fr = m + f * CHUNK_FRAME;
            memcpy(fr, "8000\r\n", 6);
            d = fr + 6;
            memcpy(d + CHUNK_DATA, "\r\n", 2);
        } else {
            d = m + f * CHUNK_DATA;
        }
        for (size_t i = 0; i < CHUNK_DATA; i++) d[i] = (uint8_t)('a' + (i + f) % 26);
    }
    munmap(m, size);
    return fd;
}

static inline int unix_connect(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof a.sun_path) { errno = ENAMETOOLONG; die(path); }
    strcpy(a.sun_path, path);
    while (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        if (errno == EINTR) continue;
        close(fd);
        return -1;
    }
    return fd;
}

#endif
