/*
 * fieldseen.h - which of the fields a user named (cdp-merge --ids,
 * cdp-dedupe --key) some record held, and the fields of other spellings
 * seen meanwhile ("Email" for "email"), so that a run whose fields match
 * nothing says so instead of passing every record through unlinked.
 */
#ifndef CDP_FIELDSEEN_H
#define CDP_FIELDSEEN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "keymap.h"
#include "record.h"

#define CDP_FIELDSEEN_NEAR	8	/* other spellings kept per field */

struct cdp_fieldseen_f {
	const char	*name;	/* borrowed */
	size_t		 nlen;
	bool		 seen;
	char		*near[CDP_FIELDSEEN_NEAR];	/* JSON key text */
	int		 nnear;
};

struct cdp_fieldseen {
	struct cdp_fieldseen_f	*f;
	int			 n, cap, unseen;
	bool			 ids;	/* `_ids.NAME` holds NAME too */
	unsigned long long	 records;	/* good records looked at */
	struct cdp_keymap	*keys;	/* record keys already compared */
	size_t			 nkeys;
};

/* Start fs; with ids, a record's `_ids` object holding NAME counts as
 * holding NAME (common/idvals.h). */
void	cdp_fieldseen_init(struct cdp_fieldseen *fs, bool ids);

/* Watch field name[0..nlen) (borrowed; a name given twice counts once). */
void	cdp_fieldseen_add(struct cdp_fieldseen *fs, const char *name,
	    size_t nlen);

/* One more good record: mark the fields it holds (present, whatever the
 * value); in the first 10000 records, then one in 64, note keys that
 * look like a field still unseen.  Exits on allocation failure. */
void	cdp_fieldseen_record(struct cdp_fieldseen *fs, struct cdp_rec *rec);

/* What from saw, into fs (the same fields in the same order). */
void	cdp_fieldseen_merge(struct cdp_fieldseen *fs,
	    const struct cdp_fieldseen *from);

/*
 * Warn on stderr, for each field no record held: `warning: no record has
 * the field "NAME"`, then up to three other spellings seen.  Returns
 * true when records were looked at and none held any of the fields (or,
 * with all_needed, some field): the caller's run is surely wrong.
 */
bool	cdp_fieldseen_report(const struct cdp_fieldseen *fs, bool all_needed);

/* Into out (NUL-terminated): ` (fields seen ...: "A", "B")` for the
 * field name when no record held it and other spellings were seen, else
 * the empty string. */
void	cdp_fieldseen_hint(const struct cdp_fieldseen *fs, const char *name,
	    struct cdp_buf *out);

/* The fields as "A, B" (allocated; exits when memory runs out). */
char	*cdp_fieldseen_names(const struct cdp_fieldseen *fs);

void	cdp_fieldseen_free(struct cdp_fieldseen *fs);

#endif
