/*
 * cdp-ingest - read CSV, TSV, NDJSON and JSON-array sources and write
 * normalized NDJSON records with provenance.
 */
#include "diag.h"
#include "ingest.h"

int
main(int argc, char *argv[])
{
	struct ingest_opts opt;
	int used, status;

	cdp_diag_init("cdp-ingest");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	status = ingest_run(&opt, argv + used, argc - used);
	free_options(&opt);
	return status;
}
