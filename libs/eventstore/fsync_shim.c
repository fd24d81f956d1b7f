// LD_PRELOAD shim for the crash-consistency test (crash_consistency_test.cc): records, for every regular file
// under $PIAO_FSYNC_DIR, each write and the file's size at each successful fsync/fdatasync, as lines appended to
// $PIAO_FSYNC_LOG with write(2) (unbuffered: a SIGKILL loses nothing of the log):
//   w <dev> <ino> <size> <path>     after a write
//   s <dev> <ino> <size> <path>     after a successful fsync or fdatasync: the first <size> bytes are durable
// sync_file_range is not recorded: it does not make data durable. The test then "crashes the disk" by cutting
// every written file back to its last synced size, as crash-consistency checkers do.
// Failed syncs: while the file named by $PIAO_FSYNC_FAIL exists, fsync and fdatasync of files under
// $PIAO_FSYNC_DIR fail with EIO (disk_fault_test's failed-sync case).
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int log_fd = -1;
static char dir_prefix[4096];
static size_t dir_prefix_len = 0;
static char fail_file[4096];

static ssize_t (*real_write)(int, const void*, size_t);
static ssize_t (*real_pwrite)(int, const void*, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void*, size_t, off64_t);
static ssize_t (*real_writev)(int, const struct iovec*, int);
static ssize_t (*real_pwritev)(int, const struct iovec*, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

__attribute__((constructor)) static void init(void) {
  real_write = (ssize_t(*)(int, const void*, size_t))dlsym(RTLD_NEXT, "write");
  real_pwrite = (ssize_t(*)(int, const void*, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
  real_pwrite64 = (ssize_t(*)(int, const void*, size_t, off64_t))dlsym(RTLD_NEXT, "pwrite64");
  real_writev = (ssize_t(*)(int, const struct iovec*, int))dlsym(RTLD_NEXT, "writev");
  real_pwritev = (ssize_t(*)(int, const struct iovec*, int, off_t))dlsym(RTLD_NEXT, "pwritev");
  real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  const char* log = getenv("PIAO_FSYNC_LOG");
  const char* dir = getenv("PIAO_FSYNC_DIR");
  const char* fail = getenv("PIAO_FSYNC_FAIL");
  if (dir == NULL) return;
  snprintf(dir_prefix, sizeof dir_prefix, "%s", dir);
  dir_prefix_len = strlen(dir_prefix);
  if (fail != NULL) snprintf(fail_file, sizeof fail_file, "%s", fail);
  if (log != NULL) log_fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

// True when syncs of `fd` must fail: the switch file exists and the file is under the watched directory.
static int sync_fails(int fd) {
  if (fail_file[0] == '\0' || access(fail_file, F_OK) != 0) return 0;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return 0;
  path[n] = '\0';
  return strncmp(path, dir_prefix, dir_prefix_len) == 0;
}

static void note(char op, int fd) {
  if (log_fd < 0 || fd < 0 || fd == log_fd || real_write == NULL) return;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  char link[64], path[4096];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, path, sizeof path - 1);
  if (n <= 0) return;
  path[n] = '\0';
  if (strncmp(path, dir_prefix, dir_prefix_len) != 0) return;
  char line[4400];
  int len = snprintf(line, sizeof line, "%c %llu %llu %lld %s\n", op, (unsigned long long)st.st_dev,
                     (unsigned long long)st.st_ino, (long long)st.st_size, path);
  if (len > 0) (void)real_write(log_fd, line, (size_t)len);
}

ssize_t write(int fd, const void* buf, size_t count) {
  ssize_t r = real_write(fd, buf, count);
  if (r > 0) note('w', fd);
  return r;
}
ssize_t pwrite(int fd, const void* buf, size_t count, off_t offset) {
  ssize_t r = real_pwrite(fd, buf, count, offset);
  if (r > 0) note('w', fd);
  return r;
}
ssize_t pwrite64(int fd, const void* buf, size_t count, off64_t offset) {
  ssize_t r = real_pwrite64(fd, buf, count, offset);
  if (r > 0) note('w', fd);
  return r;
}
ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  ssize_t r = real_writev(fd, iov, iovcnt);
  if (r > 0) note('w', fd);
  return r;
}
ssize_t pwritev(int fd, const struct iovec* iov, int iovcnt, off_t offset) {
  ssize_t r = real_pwritev(fd, iov, iovcnt, offset);
  if (r > 0) note('w', fd);
  return r;
}
int fsync(int fd) {
  if (sync_fails(fd)) {
    errno = EIO;
    return -1;
  }
  int r = real_fsync(fd);
  if (r == 0) note('s', fd);
  return r;
}
int fdatasync(int fd) {
  if (sync_fails(fd)) {
    errno = EIO;
    return -1;
  }
  int r = real_fdatasync(fd);
  if (r == 0) note('s', fd);
  return r;
}
