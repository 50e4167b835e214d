/*
 * partition.h - cdp-partition's options, its folder (the refusal of a
 * used one, --clean, the manifest) and the run.
 */
#ifndef PARTITION_H
#define PARTITION_H

#include <stdbool.h>

#include "normkind.h"
#include "opts.h"
#include "reckey.h"

#define MAXFIELDS	16	/* fields of one key */
#define MAXALTS		8	/* alternatives of --key (F|G|...) */
#define MAXPARTS	1024

/* One alternative of --key: the fields that make a key together. */
struct alt {
	struct cdp_keyfield	 key[MAXFIELDS];
	int			 nkey;
};

struct opts {
	struct cdp_common_opts	 common;
	struct alt		 alts[MAXALTS];
	int			 nalts;
	const char		*key_text;	/* --key as given */
	const char		*norm_text[MAXFIELDS];	/* --normalize */
	int			 nnorm_text;
	struct {
		char			*name;
		enum cdp_norm_kind	 kind;
	}			 norms[MAXFIELDS];
	int			 nnorms;
	long			 parts;
	bool			 clean;		/* --clean */
	bool			 spread;	/* --spread */
};

/* The counts of a run, for --stats and the manifest. */
struct counts {
	unsigned long long	 read, written, rejected;
	unsigned long long	 nokey, fallback;
	unsigned long long	 part[MAXPARTS];
};

/* Parse the command line into opt; exits 64 on misuse.  Returns the
 * index of the first FILE. */
int	parse_options(int argc, char **argv, struct opts *opt);

/* Free what parse_options() allocated. */
void	free_options(struct opts *opt);

/* Split files[0..nfiles) (stdin when none) into the parts (run.c);
 * returns the exit status, fatal errors exit through cdp_die(). */
int	partition_run(const struct opts *opt, char **files, int nfiles);

/* The name of part i (in DIR) into buf (at least 32 bytes). */
void	part_name(const struct opts *opt, long i, char *buf, size_t n);

/*
 * Make the folder ready before any part is written: created when
 * missing; an empty one is used; one that holds anything else is
 * refused (73) unless --clean, which accepts only what cdp-partition
 * makes (parts, the manifest, their temporaries) and removes the
 * manifest first, so that a folder without one is never taken for a
 * finished run.
 */
void	folder_prepare(const struct opts *opt);

/* After the parts are in place: remove the parts of an earlier run
 * that this one did not write (--clean). */
void	folder_sweep(const struct opts *opt);

/*
 * Write DIR/manifest.json (atomically, last): parts, key, counts per
 * part and the inputs with their sizes and XXH3-128 checksums.  sums
 * holds one hex checksum (or NULL, for standard input) per input.
 */
void	manifest_write(const struct opts *opt, char **files, int nfiles,
	    char *const *sums, const long long *sizes, const struct counts *c);

/* The XXH3-128 hex checksum and size of a named input, read once
 * before the run; NULL for standard input. */
char	*input_sum(const char *path, long long *size);

#endif
