/*
 * cdp-dedupe - drop or mark duplicate NDJSON records: equal keys after
 * normalization, or similar fields within blocks.
 */
#include "dedupe.h"
#include "diag.h"

int
main(int argc, char *argv[])
{
	struct dedupe_opts opt;
	int used, status;

	cdp_diag_init("cdp-dedupe");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	status = dedupe_run(&opt, argv + used, argc - used);
	free_options(&opt);
	return status;
}
