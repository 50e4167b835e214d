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
	int used;

	cdp_diag_init("cdp-ingest");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	return ingest_run(&opt, argv + used, argc - used);
}
