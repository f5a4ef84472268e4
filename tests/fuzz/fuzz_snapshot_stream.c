/* Fuzz target: the save/migration stream's reader, fed a whole stream. Whatever the bytes, it
 * ends with END or an error, never reads or allocates past its bounds, and a section it
 * returns is exactly as long as it says. */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "snapshot_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	struct snap_reader r;
	struct snap_section s;
	char err[200];

	if (fd < 0 && (fd = memfd_create("fuzz", 0)) < 0)
		abort();
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	lseek(fd, 0, SEEK_SET);
	if (snap_reader_begin(&r, fd) == 0) {
		int k;
		while ((k = snap_read(&r, &s)) == 1) {
			if (s.len > SNAP_MAX_SECTION || r.bytes > size)
				abort();
		}
		if (k < 0 && !r.err[0])
			abort(); /* every refusal says why */
		snap_reader_end(&r);
	}
	lseek(fd, 0, SEEK_SET);
	free(snapshot_read_config(fd, err, sizeof(err)));
	return 0;
}
