/*
 * cdp-export - audience files for ad and messaging platforms: selected
 * identifiers of consenting profiles, normalised and SHA-256 hashed as
 * each platform's customer-match upload expects.
 */
#include "diag.h"
#include "export.h"

int
main(int argc, char *argv[])
{
	struct export_opts opt;
	int used, status;

	cdp_diag_init("cdp-export");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	status = export_run(&opt, argv + used, argc - used);
	free_options(&opt);
	return status;
}
