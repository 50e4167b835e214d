/*
 * attr.h - the parts of cdp-report attribution: the models asked for,
 * the touchpoint paths cut from the events, and the credit each model
 * gives the channels.  attribution.c reads and cuts; attr_models.c credits.
 */
#ifndef ATTR_H
#define ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "report.h"

enum attr_kind {
	ATTR_FIRST,
	ATTR_LAST,
	ATTR_LINEAR,
	ATTR_DECAY,
	ATTR_POSITION,
	ATTR_MARKOV,
	ATTR_NKINDS
};

struct attr_model {
	enum attr_kind	 kind;
	double		 half_life;	/* ATTR_DECAY, seconds */
	double		 share[3];	/* ATTR_POSITION: first, middle, last
					   as fractions summing to 1 */
	/* Credit per channel: conversions and value. */
	double		*conv;
	double		*value;
};

/* The name of a kind in column names ("time_decay"). */
const char *attr_kind_name(enum attr_kind k);

/*
 * One path ready to credit: channels ch[0..n) (indexes into the channel
 * list) at times t[0..n), in time order.  A converted path ends at time
 * tconv with value; an open path (converted false) ended with the input.
 */
struct attr_path {
	const uint32_t	*ch;
	const double	*t;
	size_t		 n;
	bool		 converted;
	double		 tconv;
	double		 value;
};

/*
 * What the models accumulate over the paths: nch channels, the models,
 * the first-order transition counts for Markov (nch + 1 rows: start and
 * the channels; nch + 2 columns: the channels, conversion, null), and
 * the distinct paths for --paths.
 */
struct attr_acc {
	size_t			 nch;
	struct attr_model	*models;
	size_t			 nmodels;
	bool			 markov;
	double			*trans;		/* (nch + 1) x (nch + 2) */
	double			 conversions;	/* attributed (>= 1 touch) */
	double			 value;
	/* --paths: each distinct path's channels in seq, its counts. */
	bool			 want_paths;
	struct cdp_keymap	*path_ix;
	struct attr_pathrow {
		size_t		 off, n;	/* channels: seq[off..off+n) */
		const uint32_t	*ch;		/* seq + off, once seq is full */
		double		 conv, value, nulls;
	}			*rows;
	size_t			 nrows, caprows;
	uint32_t		*seq;
	size_t			 nseq, capseq;
	/* Scratch for one path's weights. */
	double			*w;
	size_t			 capw;
};

/* Prepare acc for nch channels (models and flags already set). */
void	attr_acc_init(struct attr_acc *acc, size_t nch);

/* Credit one path (converted or open) with every model. */
void	attr_acc_path(struct attr_acc *acc, const struct attr_path *p);

/*
 * Markov: from the transition counts, the removal effect of each channel
 * into re[0..nch) and the credit into the model's conv/value.  Returns
 * 0, or -1 with *why when the chain cannot be solved.
 */
int	attr_markov(struct attr_acc *acc, struct attr_model *m, double *re,
	    const char **why);

void	attr_acc_free(struct attr_acc *acc);

/* A credit rounded to 1e-9, so that float noise never shows in output. */
double	attr_round(double v);

#endif
