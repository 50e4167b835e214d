/*
 * cdp-partition - split NDJSON records into N part files by a stable hash
 * of a normalised key, so that the records of one key always land in the
 * same part on any machine and keyed stages (dedupe, score rfm/clv) can
 * run per part, in parallel or on several hosts.
 */
#include "diag.h"
#include "partition.h"

int
main(int argc, char *argv[])
{
	struct opts opt;
	int used, status;

	cdp_diag_init("cdp-partition");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	status = partition_run(&opt, argv + used, argc - used);
	free_options(&opt);
	return status;
}
