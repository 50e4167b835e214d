/*
 * mapin.h - input files read in place: a regular file mapped into memory
 * instead of copied by read(2), for the line reader (lines.h) and the
 * parallel blocks (par.h).  A mapped file that another program truncates
 * raises SIGBUS on the pages it lost: the run then stops with a message
 * and status 74, as on a read error, its outputs' temporary files removed.
 */
#ifndef CDP_MAPIN_H
#define CDP_MAPIN_H

#include <stddef.h>
#include <sys/types.h>

/*
 * A mapped file's last bytes are copied, not read in place: vector code
 * may look a little past a line's end, and past the file's last page
 * nothing is mapped.  A line that ends this many bytes before the end of
 * the file may be read where it is.
 */
#ifndef CDP_MAP_TAIL	/* the fuzz build makes it small (Makefile) */
#define CDP_MAP_TAIL	((size_t)4096)
#endif

/*
 * Map size bytes of the open regular file fd, named name in the message
 * of a truncation (borrowed: it must outlive the mapping).  NULL when the
 * file is not worth it (under min bytes), mapping is off (CDP_MMAP=0, a
 * test knob), the address space is capped (--max-memory: the mapping
 * would count against it) or mmap() fails: the caller reads instead.
 */
const char *cdp_map_input(int fd, off_t size, size_t min, const char *name);

/* Give back the pages of map from the one that holds from to the last
 * that ends by to, when the bytes before to are used up (the pages stay
 * in the page cache): the resident size stays what is in use. */
void	cdp_map_drop(const char *map, size_t from, size_t to);

void	cdp_map_free(const char *map, size_t size);

#endif
