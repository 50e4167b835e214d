/*
 * cdp-score - per-customer scores from transaction records: RFM, and
 * customer lifetime value from the BG/NBD (or Pareto/NBD) and Gamma-Gamma
 * models; and record-wise, a linear or logistic model's score and rule
 * points (lead scoring).
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
	switch (opt.cmd) {
	case CMD_RFM:
		return rfm_run(&opt, argv + used, argc - used);
	case CMD_CLV:
		return clv_run(&opt, argv + used, argc - used);
	case CMD_MODEL:
		return model_run(&opt, argv + used, argc - used);
	default:
		return points_run(&opt, argv + used, argc - used);
	}
}
