/*
 * cdp-merge - deterministic identity resolution: records that share a
 * normalised identifier value belong to one person, given a profile_id.
 */
#include "diag.h"
#include "merge.h"

int
main(int argc, char *argv[])
{
	struct merge_opts opt;
	int used, status;

	cdp_diag_init("cdp-merge");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	if (opt.join_links)
		status = join_round(&opt, argv[used]);
	else if (opt.emit_prior)
		status = links_emit_prior(&opt, argv + used, argc - used);
	else if (opt.apply_map != NULL)
		status = links_apply(&opt, argv + used, argc - used);
	else
		status = merge_run(&opt, argv + used, argc - used);
	free_options(&opt);
	return status;
}
