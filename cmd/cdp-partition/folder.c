/*
 * folder.c - the folder of cdp-partition: a used one refused (or, with
 * --clean, emptied of what an earlier run made and nothing else), the
 * parts of an earlier run swept, the inputs' checksums and the manifest
 * written last, so that a re-run can never mix two runs' parts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "diag.h"
#include "out.h"
#include "partition.h"
#include "record.h"
#include "xalloc.h"

#define MANIFEST	"manifest.json"

void
part_name(const struct opts *opt, long i, char *buf, size_t n)
{
	snprintf(buf, n, "part-%0*ld.ndjson", opt->parts > 1000 ? 4 : 3, i);
}

/* "part-" 3 or 4 digits ".ndjson": the number, or -1. */
static long
part_number(const char *s)
{
	size_t d = 0;

	if (strncmp(s, "part-", 5) != 0)
		return -1;
	while (s[5 + d] >= '0' && s[5 + d] <= '9')
		d++;
	if ((d != 3 && d != 4) || strcmp(s + 5 + d, ".ndjson") != 0)
		return -1;
	return strtol(s + 5, NULL, 10);
}

/* What cdp-partition makes: a part, the manifest, or the temporary file
 * of either (".NAME.XXXXXX", see common/out.c). */
static bool
ours(const char *s)
{
	const char *dot;

	if (part_number(s) >= 0 || strcmp(s, MANIFEST) == 0)
		return true;
	if (s[0] != '.' || (dot = strrchr(s, '.')) == s || strlen(dot) != 7)
		return false;
	{
		char name[256];
		size_t n = (size_t)(dot - s - 1);

		if (n >= sizeof(name))
			return false;
		memcpy(name, s + 1, n);
		name[n] = '\0';
		return part_number(name) >= 0 || strcmp(name, MANIFEST) == 0;
	}
}

/* path = DIR/name into buf. */
static const char *
in_dir(const struct opts *opt, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", opt->common.output, name);
	return buf;
}

void
folder_prepare(const struct opts *opt)
{
	const char *dir = opt->common.output;
	char path[4096];
	struct dirent *e;
	DIR *d;

	if (mkdir(dir, 0777) == 0)
		return;
	if (errno != EEXIST)
		cdp_die(EX_CANTCREAT, dir, 0, "cannot create: %s",
		    strerror(errno));
	if ((d = opendir(dir)) == NULL)
		cdp_die(EX_CANTCREAT, dir, 0, "cannot open the folder: %s",
		    strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!opt->clean)
			cdp_die(EX_CANTCREAT, dir, 0, "not empty: the parts of "
			    "two runs would mix (--clean replaces an earlier "
			    "run's)");
		if (!ours(e->d_name))
			cdp_die(EX_CANTCREAT, dir, 0, "--clean: \"%s\" was not "
			    "made by cdp-partition: not removed, nothing "
			    "written", e->d_name);
	}
	closedir(d);
	/* The manifest goes first: a folder without one is unfinished. */
	if (unlink(in_dir(opt, MANIFEST, path, sizeof(path))) == -1 &&
	    errno != ENOENT)
		cdp_die(EX_CANTCREAT, path, 0, "cannot remove: %s",
		    strerror(errno));
}

void
folder_sweep(const struct opts *opt)
{
	char path[4096], mine[32];
	struct dirent *e;
	DIR *d;

	if (!opt->clean || (d = opendir(opt->common.output)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		long i = part_number(e->d_name);

		if (!ours(e->d_name) || strcmp(e->d_name, MANIFEST) == 0)
			continue;
		/* This run's parts stay; its temporaries are gone by now. */
		if (i >= 0 && i < opt->parts) {
			part_name(opt, i, mine, sizeof(mine));
			if (strcmp(mine, e->d_name) == 0)
				continue;
		}
		if (unlink(in_dir(opt, e->d_name, path, sizeof(path))) == -1)
			cdp_die(EX_CANTCREAT, path, 0, "cannot remove: %s",
			    strerror(errno));
	}
	closedir(d);
}

char *
input_sum(const char *path, long long *size)
{
	XXH3_state_t *st;
	XXH128_hash_t h;
	struct stat sb;
	char buf[1 << 16], *hex;
	ssize_t n;
	int fd;

	*size = -1;
	/* A FIFO would be used up, and opening one whose writer has gone
	 * waits for ever: only regular files, looked at before the open. */
	if (strcmp(path, "-") == 0 || stat(path, &sb) == -1 ||
	    !S_ISREG(sb.st_mode) || (fd = open(path, O_RDONLY)) == -1)
		return NULL;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return NULL;
	}
	if ((st = XXH3_createState()) == NULL)
		cdp_oom(0);
	XXH3_128bits_reset(st);
	*size = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			cdp_die(EX_IOERR, path, 0, "read error: %s",
			    strerror(errno));
		XXH3_128bits_update(st, buf, (size_t)n);
		*size += n;
	}
	close(fd);
	h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	hex = cdp_xmalloc(33);
	snprintf(hex, 33, "%016llx%016llx", (unsigned long long)h.high64,
	    (unsigned long long)h.low64);
	return hex;
}

static void
add_str(struct cdp_buf *b, const char *s)
{
	if (cdp_json_quote(b, s, strlen(s)) == -1)
		cdp_oom(0);
}

static void
addf(struct cdp_buf *b, const char *fmt, unsigned long long v)
{
	if (cdp_buf_addf(b, fmt, v) == -1)
		cdp_oom(0);
}

void
manifest_write(const struct opts *opt, char **files, int nfiles,
    char *const *sums, const long long *sizes, const struct counts *c)
{
	struct cdp_buf b = { 0 };
	struct cdp_out *o;
	struct cdp_err err;
	char path[4096], name[32];

	cdp_buf_adds(&b, "{\"parts\":");
	addf(&b, "%llu", (unsigned long long)opt->parts);
	cdp_buf_adds(&b, ",\"key\":");
	add_str(&b, opt->key_text);
	cdp_buf_adds(&b, ",\"normalize\":[");
	for (int i = 0; i < opt->nnorm_text; i++) {
		if (i > 0)
			cdp_buf_addc(&b, ',');
		add_str(&b, opt->norm_text[i]);
	}
	cdp_buf_adds(&b, opt->spread ? "],\"spread\":true" :
	    "],\"spread\":false");
	addf(&b, ",\"read\":%llu", c->read);
	addf(&b, ",\"written\":%llu", c->written);
	addf(&b, ",\"rejected\":%llu", c->rejected);
	addf(&b, ",\"nokey\":%llu", c->nokey);
	addf(&b, ",\"fallback\":%llu", c->fallback);
	cdp_buf_adds(&b, ",\"files\":[");
	for (long i = 0; i < opt->parts; i++) {
		part_name(opt, i, name, sizeof(name));
		cdp_buf_adds(&b, i > 0 ? ",{\"name\":" : "{\"name\":");
		add_str(&b, name);
		addf(&b, ",\"records\":%llu}", c->part[i]);
	}
	cdp_buf_adds(&b, "],\"inputs\":[");
	for (int i = 0; i < nfiles; i++) {
		cdp_buf_adds(&b, i > 0 ? ",{\"name\":" : "{\"name\":");
		add_str(&b, strcmp(files[i], "-") == 0 ? "<stdin>" : files[i]);
		if (sizes[i] >= 0)
			addf(&b, ",\"bytes\":%llu", (unsigned long long)
			    sizes[i]);
		cdp_buf_adds(&b, ",\"xxh3_128\":");
		if (sums[i] != NULL)
			add_str(&b, sums[i]);
		else
			cdp_buf_adds(&b, "null");
		cdp_buf_addc(&b, '}');
	}
	if (cdp_buf_adds(&b, "]}\n") == -1)
		cdp_oom(0);
	if ((o = cdp_out_open(in_dir(opt, MANIFEST, path, sizeof(path)),
	    &err)) == NULL || cdp_out_write(o, b.p, b.len, &err) == -1 ||
	    cdp_out_close(o, &err) == -1)
		cdp_die_err(&err, NULL, 0);
	cdp_buf_free(&b);
}
