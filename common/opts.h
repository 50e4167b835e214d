/*
 * opts.h - the options every program shares, and checked number parsing.
 * Each program puts CDP_COMMON_LONGOPTS in its getopt_long table and
 * passes every option it does not own to cdp_opt_common().
 */
#ifndef CDP_OPTS_H
#define CDP_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "norm.h"
#include "timeval.h"	/* cdp_parse_iso_date() of --as-of */

#define CDP_VERSION	"0.1.0"

/*
 * The release in which the deprecated short spellings (struct
 * cdp_old_short) stop working.
 */
#define CDP_OLD_SHORT_UNTIL	"0.2.0"

/* Values of the shared long options that have no short form. */
enum {
	CDP_OPT_AS_OF = 0x100,
	CDP_OPT_DATE_FORMAT,
	CDP_OPT_DEFAULT_COUNTRY,
	CDP_OPT_MAX_RECORD_BYTES,
	CDP_OPT_NO_PROGRESS,
	CDP_OPT_PROGRESS,
	CDP_OPT_REJECTS,
	CDP_OPT_STATS,
	CDP_OPT_VERBOSE,
	CDP_OPT_UNBUFFERED,
	CDP_OPT_THREADS,
	CDP_OPT_STATS_FILE,
	CDP_OPT_RUN_ID,
	CDP_OPT_MAX_MEMORY,
	CDP_OPT_PRIVATE = 0x200	/* programs number their own from here */
};

/*
 * The shared entries of a getopt_long table ("h", "o:", "V" short).
 * Programs where "now" matters add CDP_AS_OF_LONGOPT too.
 */
#define CDP_AS_OF_LONGOPT \
	{ "as-of", required_argument, NULL, CDP_OPT_AS_OF }
/*
 * Streaming programs add --unbuffered: each record reaches the output as
 * soon as it is written (tail -F pipelines), at some cost in speed.
 */
#define CDP_UNBUFFERED_LONGOPT \
	{ "unbuffered", no_argument, NULL, CDP_OPT_UNBUFFERED }
#define CDP_UNBUFFERED_USAGE						\
"      --unbuffered          write each record out at once (live streams)\n"

/*
 * Programs that read in parallel blocks (par.h) add --threads N.
 */
#define CDP_THREADS_LONGOPT \
	{ "threads", required_argument, NULL, CDP_OPT_THREADS }
#define CDP_THREADS_USAGE						\
"      --threads N           worker threads (default: CDP_THREADS, else the\n" \
"                            CPUs; 1 reads as one thread always did)\n"

#define CDP_COMMON_SHORTOPTS	"ho:V"
#define CDP_COMMON_LONGOPTS						\
	{ "help", no_argument, NULL, 'h' },				\
	{ "max-memory", required_argument, NULL, CDP_OPT_MAX_MEMORY },	\
	{ "max-record-bytes", required_argument, NULL,			\
	    CDP_OPT_MAX_RECORD_BYTES },					\
	{ "no-progress", no_argument, NULL, CDP_OPT_NO_PROGRESS },	\
	{ "output", required_argument, NULL, 'o' },			\
	{ "progress", optional_argument, NULL, CDP_OPT_PROGRESS },	\
	{ "rejects", required_argument, NULL, CDP_OPT_REJECTS },	\
	{ "run-id", required_argument, NULL, CDP_OPT_RUN_ID },		\
	{ "stats", no_argument, NULL, CDP_OPT_STATS },			\
	{ "stats-file", required_argument, NULL, CDP_OPT_STATS_FILE },	\
	{ "verbose", no_argument, NULL, CDP_OPT_VERBOSE },		\
	{ "version", no_argument, NULL, 'V' }

/*
 * The usage lines of the options for unattended runs (logs, memory), the
 * same in every program: --help prints them after the program's usage
 * (cdp_opt_common()), so no usage text repeats them.
 */
#define CDP_RUN_USAGE							\
"unattended runs (see cdpipe(7)):\n"					\
"      --stats-file FILE     append the --stats line to FILE (a log)\n"	\
"      --run-id ID           the run's name in --stats (default $CDP_RUN_ID)\n" \
"      --progress=lines[:S]  a progress line every S seconds (10), for logs\n" \
"      --max-memory SIZE     stop (71) before the memory used passes SIZE\n"

/*
 * The usage lines of the shared options, for the end of a program's
 * usage text (as in "...private options...\n" CDP_COMMON_USAGE).
 */
#define CDP_COMMON_USAGE						\
"  -o, --output FILE         write to FILE (atomically) instead of stdout\n"	\
"      --rejects FILE        write bad records to FILE and go on\n"		\
"      --stats               print the record account on stderr at the end\n" \
"      --progress, --no-progress\n"					\
"                            progress bar on stderr (default: on a terminal\n" \
"                            for inputs over 64 MB)\n"			\
"      --max-record-bytes N  longest record accepted (default 64M)\n"	\
"      --verbose             messages may quote values (personal data)\n"	\
"  -h, --help                this help\n"					\
"  -V, --version             version\n"

/*
 * The options of programs that normalise values (as cdp-ingest's
 * --normalize does): the country of national phone numbers and the order
 * of numeric dates.  Table entries and usage lines.
 */
#define CDP_NORM_LONGOPTS						\
	{ "date-format", required_argument, NULL, CDP_OPT_DATE_FORMAT },	\
	{ "default-country", required_argument, NULL,			\
	    CDP_OPT_DEFAULT_COUNTRY }
#define CDP_NORM_USAGE							\
"      --default-country CC  country of phone numbers written without one\n" \
"      --date-format ORDER   dmy, mdy or ymd for numeric dates like 03/04/2025\n"

/* What the shared options set.  Zero it, then call cdp_opt_common(). */
struct cdp_common_opts {
	const char	*output;	/* -o, NULL = stdout */
	const char	*rejects;	/* --rejects FILE */
	const char	*as_of;		/* --as-of DATE, checked YYYY-MM-DD */
	const char	*default_country;	/* --default-country CC */
	enum cdp_date_order date_order;		/* --date-format */
	int		 progress;	/* 0 auto, 1 --progress, -1 --no-progress */
	bool		 stats;
	bool		 verbose;
	bool		 unbuffered;	/* --unbuffered (cdp_out line mode set) */
	int		 threads;	/* --threads N, 0 = not given */
	size_t		 max_record_bytes;	/* 0 = default */
	/* Set here and handed to common/ at once: --stats-file and --run-id
	 * (cdp_stats_config), --progress=lines (cdp_progress_lines),
	 * --max-memory (cdp_mem_limit). */
	const char	*stats_file;
	const char	*run_id;
	size_t		 max_memory;	/* 0 = no limit */
};

/*
 * Handle option ch (as returned by getopt_long, with optarg arg) if it is
 * a shared one.  Returns 1 when handled, 0 when ch belongs to the program.
 * Exits: --help prints usage and CDP_RUN_USAGE on stdout (0); --version
 * prints the version
 * (0); '?' (unknown option or missing argument) and a bad value print a
 * message and "Try 'CMD --help' for more information." on stderr (64),
 * CMD being cdp_diag_cmd().  usage is the whole usage text.
 */
int	cdp_opt_common(int ch, const char *arg, struct cdp_common_opts *c,
	    const char *usage);

/*
 * Print "CMD: message" and "Try 'CMD --help' for more information." on
 * stderr, and exit 64 (CMD is cdp_diag_cmd()).  usage is not printed: a
 * usage error is two lines, as in coreutils.  For misuse found after
 * option parsing too.
 */
_Noreturn void cdp_usage_die(const char *usage, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * Parse a whole decimal integer in [min, max].  Returns 0, or -1 on
 * junk, an empty string or a value out of range.
 */
int	cdp_parse_long(const char *s, long min, long max, long *out);

/* Parse a whole finite decimal number.  Returns 0, or -1. */
int	cdp_parse_double(const char *s, double *out);

/*
 * Parse a byte size: digits with an optional K, M or G suffix (powers of
 * 1024).  Returns 0, or -1 on junk, zero or overflow.
 */
int	cdp_parse_size(const char *s, size_t *out);

/*
 * The value arg of option opt that names a field: returned when it is
 * not empty, else exits 64 with "OPT: empty field name" and usage.
 */
const char *cdp_opt_field(const char *arg, const char *opt,
	    const char *usage);

/* Split a comma-separated list in place: returns the count of items put
 * in items[0..max), or -1 when there are more than max or an item is
 * empty.  s is modified (commas become NULs). */
int	cdp_split_list(char *s, char **items, int max);

/*
 * A short spelling kept for one release after its letter was taken away
 * (two programs gave it two meanings; "-p" of cdp-merge --profiles): the
 * letter stays in the getopt string, leaves --help, and warns.  A table
 * of them ends with a zero row.
 */
struct cdp_old_short {
	int		 ch;
	const char	*name;		/* the long option to write instead */
};

/*
 * getopt_long() that warns "-p is deprecated and goes in 0.2.0: write
 * --profiles" on stderr when an option came as a short spelling listed
 * in old (NULL: none).  Returns what getopt_long() returns; on '?' it has
 * printed getopt's message ("unrecognized option '--x'", "option requires
 * an argument -- 'k'") prefixed by cdp_diag_cmd(), not argv[0], and
 * cdp_opt_common() then adds "Try 'CMD --help'".
 */
int	cdp_getopt(int argc, char *const argv[], const char *shortopts,
	    const struct option *longopts, const struct cdp_old_short *old);

#endif
