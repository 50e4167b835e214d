/*
 * partition.h - cdp-partition's options and its run: split records into
 * parts by a stable hash of their normalised key.
 */
#ifndef PARTITION_H
#define PARTITION_H

#include "opts.h"
#include "reckey.h"

#define MAXFIELDS	16
#define MAXPARTS	1024

struct partition_opts {
	struct cdp_common_opts	 common;
	struct cdp_keyfield	 key[MAXFIELDS];
	int			 nkey;
	struct {
		char			*name;
		enum cdp_norm_kind	 kind;
	}			 norms[MAXFIELDS];
	int			 nnorms;
	long			 parts;
};

/* The command line: exits 64 on misuse; returns the index of the first
 * FILE in argv. */
int	parse_options(int argc, char **argv, struct partition_opts *opt);

/* Split files[0..nfiles) (stdin when none) into the parts; returns the
 * exit status, fatal errors exit through cdp_die(). */
int	partition_run(const struct partition_opts *opt, char **files,
	    int nfiles);

#endif
