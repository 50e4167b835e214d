/*
 * merge.h - cdp-merge's options, and the compact index the two passes
 * share: identifier nodes (hash -> node), each record's list of nodes.
 */
#ifndef MERGE_H
#define MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "keymap.h"
#include "normkind.h"
#include "opts.h"
#include "prob.h"

#define MAX_IDS		64	/* fields in --ids */

/* One --ids field. */
struct idfield {
	const char		*name;
	size_t			 nlen;
	enum cdp_norm_kind	 norm;
};

enum rule_kind {
	R_MOST_FREQUENT,
	R_MOST_RECENT,		/* arg: the time field */
	R_SOURCE_PRIORITY,	/* srcs: the sources, best first */
	R_LONGEST,
	R_ALL
};

#define MAX_RULES	256
#define MAX_SOURCES	64

/* --rule FIELD=KIND[:ARG]: how a profile's FIELD is chosen. */
struct rule {
	const char	*field;
	size_t		 flen;
	enum rule_kind	 kind;
	const char	*arg;
	size_t		 alen;
	char		*srcs[MAX_SOURCES];
	int		 nsrcs;
};

struct merge_opts {
	struct cdp_common_opts	 common;
	struct idfield		 ids[MAX_IDS];
	int			 nids;
	long			 max_degree;	/* --max-degree, default 50 */
	long			 max_cluster;	/* --max-cluster, 0 = off */
	const char		*ignore_file;	/* --ignore-values */
	bool			 default_ignore;	/* built-in list */
	bool			 profiles;	/* --profiles */
	const char		*prior;		/* --prior FILE */
	const char		*id_map;	/* --id-map FILE */
	const char		*prior_map;	/* --prior-map FILE */
	const char		*explain;	/* --explain ID */
	bool			 all_ids;	/* --all-ids: _ids in profiles */
	bool			 replace;	/* --replace: new profile ids */
	bool			 allow_no_ids;	/* --allow-no-ids */
	struct rule		 rules[MAX_RULES];
	int			 nrules;
	bool			 emit_links;	/* --emit-links */
	bool			 emit_prior;	/* --emit-prior */
	bool			 join_links;	/* --join-links */
	const char		*apply_map;	/* --apply-map DIR */
	long			 buckets;	/* --buckets N */
	const char		*part;		/* --part NAME */
	long			 part_k, part_n;	/* --part K/N, 0 0 */
	char			 part_name[32];	/* its name: K-of-N */
	const char		*hash_key;	/* --hash-key-file FILE */
	bool			 clear_links;	/* --clear-links */
	const char		*id_key;	/* --id-key-file FILE */
	long			 gather;	/* --gather N */
	bool			 gather_set;
	bool			 probabilistic;	/* --probabilistic */
	double			 split_below;	/* --split-below, 0 off */
	const char		*truth;		/* --truth FIELD */
	struct prob_spec	 prob;	/* its blocks, comparisons, fit */
};

/* Parse the command line into opt; exits 64 on misuse.  Returns the
 * number of arguments consumed. */
int	parse_options(int argc, char *argv[], struct merge_opts *opt);

/* Free what parse_options() allocated. */
void	free_options(struct merge_opts *opt);

/* The placeholder values ignored unless --no-default-ignore or
 * --ignore-values (NULL-terminated). */
extern const char *const merge_default_ignore[];

/* Run both passes over the inputs; returns the exit status. */
int	merge_run(const struct merge_opts *opt, char **files, int nfiles);

/*
 * The phases over partitions (cdp-merge(1), "Phases over partitions"):
 * one round of the join for the bucket folder dir (join.c), the map
 * applied to a part's records and the ids of an earlier output handed on
 * (links.c); each returns the exit status.
 */
int	join_round(const struct merge_opts *opt, const char *dir);
int	links_apply(const struct merge_opts *opt, char **files, int nfiles);
int	links_emit_prior(const struct merge_opts *opt, char **files,
	    int nfiles);

struct index;
struct cdp_acct;
struct precs_lines;
/* --emit-links after the first pass over files[0..nfiles): the part's
 * identifier sets into the buckets of the join folder; with --part K/N of
 * a named file, its records' values for the apply (precs.h), the good
 * records' lines in pl. */
void	links_emit(struct index *ix, struct cdp_acct *acct, char **files,
	    int nfiles, const struct precs_lines *pl);

struct resolve;
/* --probabilistic --explain FILE (explain.c): every scored candidate
 * pair, then every cluster of linked groups, to path.  Exits on
 * failure. */
void	explain_write(struct resolve *rs, const char *path);

struct cdp_recw;
struct cdp_rec;
/* rec with its profile_id set to id (replaced where it stands, else
 * added last) into w (links.c). */
void	merge_annotate(struct cdp_recw *w, struct cdp_rec *rec, const char *id);

/*
 * Pass 1, for every parsed record before its identifiers are added: the
 * fields cdp-merge writes that the record already has must be ones an
 * earlier run wrote (a profile_id is then carried, see prior.h; with
 * --profiles, _records a whole number from 1, _sources an array of
 * strings, _ids an object), else the record is bad with *why `field
 * "NAME" already exists` -- unless --replace.  Returns 0 or -1.
 */
int	merge_owned(struct index *ix, struct cdp_rec *rec, const char **why);

#endif
