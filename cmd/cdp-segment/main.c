/*
 * cdp-segment - filter NDJSON records with rule expressions and tag them
 * with the names of the segments they belong to.
 */
#include "diag.h"
#include "segment.h"

int
main(int argc, char *argv[])
{
	struct segment_opts opt;
	int used, status;

	cdp_diag_init("cdp-segment");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	status = segment_run(&opt, argv + used, argc - used);
	free_options(&opt);
	return status;
}
