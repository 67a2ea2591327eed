/*
 * file.c - reading a file into memory, the one helper for it: analyze
 * reads logs and source with it, the engines source files.  Only the
 * last `max` bytes are kept of a larger file: of a log, the end is what
 * matters; callers that need a whole file pass a cap they can afford.
 * file_read_head() is for the small files read to look at their start
 * (a /proc entry, a project's manifest), into the caller's buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend.h"

char *
file_read(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t n = 0;
	off_t off = 0;

	if (fd < 0) {
		mend_errno("cannot open '%s'", path);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max)
		off = st.st_size - (off_t)max;
	if (off && lseek(fd, off, SEEK_SET) < 0)
		off = 0;
	if (!(buf = malloc(max + 1))) {
		close(fd);
		mend_err("out of memory");
		return NULL;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == max)
			break;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

ssize_t
file_read_head(char *buf, size_t size, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -1;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}
