/*
 * cdp-join - attach the fields of a keyed file (profiles, scores,
 * segments) to a stream of NDJSON records: a hash join with the table in
 * memory, one output line per stream record, inner, left or anti.
 */
#include "diag.h"
#include "join.h"

int
main(int argc, char *argv[])
{
	struct join_opts opt;
	int used;

	cdp_diag_init("cdp-join");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	return join_run(&opt, argv + used, argc - used);
}
