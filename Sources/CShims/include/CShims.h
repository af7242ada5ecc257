// C helpers that Swift's Glibc module does not expose cleanly.
// One concern per function; every function carries the sw_ prefix.
#ifndef SOCKWARDEN_CSHIMS_H
#define SOCKWARDEN_CSHIMS_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

/// Peer credentials of a connected AF_UNIX socket (getsockopt SO_PEERCRED).
/// Returns 0 and fills the out-parameters, or -1 with errno set.
int sw_peer_credentials(int fd, pid_t *pid, uid_t *uid, gid_t *gid);
/* The peer's pidfd (SO_PEERPIDFD, Linux 6.5+): the process that connected, whatever its pid
   number means later; -errno when there is none (ENOPROTOOPT: the kernel is older; EINVAL or
   ESRCH before 6.16: the process has exited and been reaped). */
int sw_peer_pidfd(int fd);
/* 1 when the process of a pidfd has exited, 0 while it runs, -1 on error. */
int sw_pidfd_exited(int pidfd);
/* The peer's supplementary groups at connect (SO_PEERGROUPS): how many, or -1 (ERANGE: more than max). */
int sw_peer_groups(int fd, unsigned int *groups, int max);

/// accept4(2) with SOCK_CLOEXEC. Returns the new fd or -1 with errno set.
int sw_accept_cloexec(int fd);

/// socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0).
int sw_unix_stream_socket(void);

/// bind(2) / connect(2) to a filesystem AF_UNIX path. Returns 0 or -1 with errno
/// set (ENAMETOOLONG when the path does not fit in sun_path).
int sw_unix_bind(int fd, const char *path);
int sw_unix_connect(int fd, const char *path);

/// send(2) with MSG_NOSIGNAL, so a vanished peer yields EPIPE, never SIGPIPE.
ssize_t sw_send(int fd, const void *buf, size_t len);

/// Block the given signals in the calling thread (and threads it creates later),
/// then wait for one of them with sigwait(3). Used by the signal thread.
int sw_block_signals(const int *signals, int count);
int sw_wait_signals(const int *signals, int count);

/// 1 when this CPU has the x86 SHA extensions (and SSSE3, SSE4.1) that
/// sw_sha256_blocks needs; 0 otherwise (then it must not be called).
int sw_sha256_hardware(void);

/// SHA-256 compression (FIPS 180-4 §6.2.2) of `blocks` consecutive 64-byte
/// blocks into `state` (H0…H7), with the SHA extensions.
void sw_sha256_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// epoll, without Swift seeing the packed `struct epoll_event`. Each
/// registration carries a 64-bit token. sw_epoll_wait fills `tokens` and
/// `events` with up to `max` ready registrations.
int sw_epoll_create(void);
int sw_epoll_ctl(int epfd, int op, int fd, unsigned int events, unsigned long long token);
int sw_epoll_wait(int epfd, unsigned long long *tokens, unsigned int *events, int max, int timeout_ms);
/// An eventfd (non-blocking, close-on-exec) for waking an epoll loop.
int sw_eventfd(void);
/// Sets or clears O_NONBLOCK. Returns 0 or -1 with errno set.
int sw_set_nonblocking(int fd, int on);

/// Starts writing back the file's dirty pages without waiting for it
/// (sync_file_range SYNC_FILE_RANGE_WRITE over the whole file). Returns 0 or
/// -1 with errno set (ESPIPE on a pipe, EPERM under a seccomp filter).
int sw_start_writeback(int fd);

/// Waits for the writeback of [offset, offset + length) (started earlier, so
/// normally long done), then drops those pages from the page cache
/// (POSIX_FADV_DONTNEED): a log that is only appended to need not keep
/// gigabytes of itself cached. Returns 0, or -1 with errno set.
int sw_drop_written(int fd, long long offset, long long length);

/// The thread's errno (Swift's Glibc exposes it, but this keeps one definition).
int sw_errno(void);

/// Names the calling thread (at most 15 bytes; what top -H and perf show).
int sw_set_thread_name(const char *name);

/// A batch of non-blocking sends made with one system call (io_uring,
/// IORING_OP_SEND with MSG_NOSIGNAL | MSG_DONTWAIT): see send_batch.c.
/// sw_send_ring_open returns NULL with errno set where io_uring is missing
/// or refused (ENOSYS, EPERM from seccomp or kernel.io_uring_disabled).
struct sw_send_ring;
struct sw_send_ring *sw_send_ring_open(unsigned entries);
void sw_send_ring_close(struct sw_send_ring *ring);
/// How many sends one batch may hold.
unsigned sw_send_ring_capacity(const struct sw_send_ring *ring);
/// Sends buffers[i] (lengths[i] bytes) on fds[i], for i < count; results[i]
/// is the byte count sent or -errno (-EAGAIN: would block). Returns 0; -1
/// with errno set when the batch could not be submitted (nothing was sent);
/// 1 when some send did not complete at once and was cancelled (its result
/// is -ECANCELED or what it did; the ring should not be used again).
int sw_send_ring_send(struct sw_send_ring *ring, int count, const int *fds, const void *const *buffers,
                      const size_t *lengths, int *results);
/// For tests of the caller's fallback: from now on submit at most
/// submit_limit sends per call (0: all; the rest come back -ECANCELED), and
/// with force_async have them made off the calling thread (IOSQE_ASYNC), so
/// they do not complete inline and are cancelled.
void sw_send_ring_test_faults(struct sw_send_ring *ring, unsigned submit_limit, int force_async);

#endif
