// A batch of non-blocking sends in one system call, through io_uring.
//
// The event loop puts off its sends until every ready connection has been
// read and judged, then makes them all at once. On one CPU a send that wakes
// the daemon or a client lets that process preempt the loop at the return to
// user space; one io_uring_enter for the whole batch is one such point
// instead of one per send (bench/README.md, "Sends at the end of a batch").
//
// Only IORING_OP_SEND is used, with MSG_DONTWAIT: a send that would block
// completes at once with -EAGAIN instead of waiting in the kernel, so every
// send of a batch has completed when io_uring_enter returns, and the buffers
// are the caller's again. Should a completion be missing all the same, the
// batch cancels what is left and waits for it, and reports the ring unusable.
#define _GNU_SOURCE
#include "CShims.h"

#include <errno.h>
#include <linux/io_uring.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

struct sw_send_ring {
    int fd;
    unsigned entries;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *sq_map, *cq_map;
    size_t sq_map_size, cq_map_size, sqes_size;
    /// Test hooks (sw_send_ring_test_faults): submit at most this many
    /// sends per call (0: all), and have the kernel make them on its worker
    /// threads (IOSQE_ASYNC) so that they do not complete inline.
    unsigned submit_limit;
    int force_async;
};

void sw_send_ring_test_faults(struct sw_send_ring *ring, unsigned submit_limit, int force_async) {
    ring->submit_limit = submit_limit;
    ring->force_async = force_async;
}

static int ring_enter(int fd, unsigned submit, unsigned complete, unsigned flags) {
    return (int)syscall(__NR_io_uring_enter, fd, submit, complete, flags, NULL, 0);
}

void sw_send_ring_close(struct sw_send_ring *ring) {
    if (!ring) return;
    if (ring->sqes) munmap(ring->sqes, ring->sqes_size);
    if (ring->cq_map && ring->cq_map != ring->sq_map) munmap(ring->cq_map, ring->cq_map_size);
    if (ring->sq_map) munmap(ring->sq_map, ring->sq_map_size);
    if (ring->fd >= 0) close(ring->fd);
    free(ring);
}

struct sw_send_ring *sw_send_ring_open(unsigned entries) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    // One thread submits, and nothing needs to interrupt it to post a
    // completion (a send that would block completes at once): the cheapest
    // set-up the kernel offers (6.0+); plain on older kernels.
    p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL;
    int fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    if (fd < 0 && errno == EINVAL) {
        memset(&p, 0, sizeof p);
        fd = (int)syscall(__NR_io_uring_setup, entries, &p);
    }
    if (fd < 0) return NULL;
    struct sw_send_ring *ring = calloc(1, sizeof *ring);
    if (!ring) { close(fd); errno = ENOMEM; return NULL; }
    ring->fd = fd;
    ring->entries = p.sq_entries;
    ring->sq_map_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    ring->cq_map_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    int single = (p.features & IORING_FEAT_SINGLE_MMAP) != 0;
    if (single) {
        if (ring->cq_map_size > ring->sq_map_size) ring->sq_map_size = ring->cq_map_size;
        ring->cq_map_size = ring->sq_map_size;
    }
    ring->sq_map = mmap(NULL, ring->sq_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQ_RING);
    if (ring->sq_map == MAP_FAILED) { ring->sq_map = NULL; goto fail; }
    if (single) {
        ring->cq_map = ring->sq_map;
    } else {
        ring->cq_map = mmap(NULL, ring->cq_map_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_CQ_RING);
        if (ring->cq_map == MAP_FAILED) { ring->cq_map = NULL; goto fail; }
    }
    ring->sqes_size = p.sq_entries * sizeof(struct io_uring_sqe);
    ring->sqes = mmap(NULL, ring->sqes_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, IORING_OFF_SQES);
    if (ring->sqes == MAP_FAILED) { ring->sqes = NULL; goto fail; }
    char *sq = ring->sq_map, *cq = ring->cq_map;
    ring->sq_head = (unsigned *)(sq + p.sq_off.head);
    ring->sq_tail = (unsigned *)(sq + p.sq_off.tail);
    ring->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
    ring->sq_array = (unsigned *)(sq + p.sq_off.array);
    ring->cq_head = (unsigned *)(cq + p.cq_off.head);
    ring->cq_tail = (unsigned *)(cq + p.cq_off.tail);
    ring->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
    ring->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
    return ring;
fail:
    {
        int saved = errno;
        sw_send_ring_close(ring);
        errno = saved;
    }
    return NULL;
}

unsigned sw_send_ring_capacity(const struct sw_send_ring *ring) { return ring->entries; }

/// Takes every completion there is; returns how many.
static unsigned reap(struct sw_send_ring *ring, int *results, int count) {
    unsigned head = *ring->cq_head, taken = 0;
    while (head != __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE)) {
        struct io_uring_cqe *cqe = &ring->cqes[head & *ring->cq_mask];
        if (cqe->user_data < (unsigned long long)count) {
            results[cqe->user_data] = cqe->res;
            taken++;
        }
        head++;
    }
    __atomic_store_n(ring->cq_head, head, __ATOMIC_RELEASE);
    return taken;
}

int sw_send_ring_send(struct sw_send_ring *ring, int count, const int *fds, const void *const *buffers,
                      const size_t *lengths, int *results) {
    if (count <= 0) return 0;
    if ((unsigned)count > ring->entries) { errno = EINVAL; return -1; }
    unsigned tail = *ring->sq_tail;
    for (int i = 0; i < count; i++) {
        unsigned index = tail & *ring->sq_mask;
        struct io_uring_sqe *sqe = &ring->sqes[index];
        memset(sqe, 0, sizeof *sqe);
        sqe->opcode = IORING_OP_SEND;
        sqe->fd = fds[i];
        sqe->addr = (unsigned long long)(uintptr_t)buffers[i];
        sqe->len = lengths[i] > 0x7fffffff ? 0x7fffffff : (unsigned)lengths[i];
        sqe->msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT;
        sqe->user_data = (unsigned long long)i;
        if (ring->force_async) sqe->flags |= IOSQE_ASYNC;
        ring->sq_array[index] = index;
        results[i] = -ECANCELED;
        tail++;
    }
    __atomic_store_n(ring->sq_tail, tail, __ATOMIC_RELEASE);
    int submitted;
    unsigned to_submit = ring->submit_limit && ring->submit_limit < (unsigned)count ? ring->submit_limit : (unsigned)count;
    do submitted = ring_enter(ring->fd, to_submit, 0, 0);
    while (submitted < 0 && errno == EINTR);
    if (submitted < 0) submitted = 0;
    if (submitted < count) {
        // Sends the kernel did not take are taken back (the kernel reads the
        // queue only inside io_uring_enter), so that no later call submits
        // them; they keep -ECANCELED, and the caller makes them itself.
        __atomic_store_n(ring->sq_tail, tail - (unsigned)(count - submitted), __ATOMIC_RELEASE);
    }
    unsigned done = reap(ring, results, count);
    if (done == (unsigned)submitted) return submitted == count ? 0 : 1;
    // A send did not complete inline (not expected with MSG_DONTWAIT):
    // cancel whatever is in flight and wait for it, so that no buffer is
    // read after this returns, and tell the caller.
    unsigned at = *ring->sq_tail;
    struct io_uring_sqe *cancel = &ring->sqes[at & *ring->sq_mask];
    memset(cancel, 0, sizeof *cancel);
    cancel->opcode = IORING_OP_ASYNC_CANCEL;
    cancel->cancel_flags = IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL;
    cancel->user_data = ~0ULL;
    ring->sq_array[at & *ring->sq_mask] = at & *ring->sq_mask;
    __atomic_store_n(ring->sq_tail, at + 1, __ATOMIC_RELEASE);
    unsigned seen = done;
    int cancel_seen = 0, cancel_submitted = 0;
    while (seen < (unsigned)submitted || !cancel_seen) {
        int r = ring_enter(ring->fd, cancel_submitted ? 0 : 1, 1, IORING_ENTER_GETEVENTS);
        if (r >= 0 && !cancel_submitted) cancel_submitted = 1;
        unsigned head = *ring->cq_head;
        while (head != __atomic_load_n(ring->cq_tail, __ATOMIC_ACQUIRE)) {
            struct io_uring_cqe *cqe = &ring->cqes[head & *ring->cq_mask];
            if (cqe->user_data == ~0ULL) cancel_seen = 1;
            else if (cqe->user_data < (unsigned long long)count) { results[cqe->user_data] = cqe->res; seen++; }
            head++;
        }
        __atomic_store_n(ring->cq_head, head, __ATOMIC_RELEASE);
    }
    return 1;
}
