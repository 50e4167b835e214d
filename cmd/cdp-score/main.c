/*
 * cdp-score - per-customer scores from transaction records: RFM, and
 * customer lifetime value from the BG/NBD (or Pareto/NBD) and Gamma-Gamma
 * models.
 */
#include "diag.h"
#include "score.h"

int
main(int argc, char *argv[])
{
	struct score_opts opt;
	int used;

	cdp_diag_init("cdp-score");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	if (opt.cmd == CMD_RFM)
		return rfm_run(&opt, argv + used, argc - used);
	return clv_run(&opt, argv + used, argc - used);
}
