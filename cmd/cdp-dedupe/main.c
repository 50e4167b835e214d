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
	int used;

	cdp_diag_init("cdp-dedupe");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	return dedupe_run(&opt, argv + used, argc - used);
}
