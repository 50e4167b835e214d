/*
 * cdp-score - per-customer scores from transaction records: RFM,
 * customer lifetime value and churn from the buy-till-you-die models
 * (BG/NBD, modified BG/NBD, Pareto/NBD, BG/BB, sBG, Gamma-Gamma spend);
 * per profile the best time to send from engagement events; and
 * record-wise, a linear or logistic model's score and rule points (lead
 * scoring).
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
	case CMD_CHURN:
		return clv_run(&opt, argv + used, argc - used);
	case CMD_SENDTIME:
		return sendtime_run(&opt, argv + used, argc - used);
	case CMD_MODEL:
		return model_run(&opt, argv + used, argc - used);
	default:
		return points_run(&opt, argv + used, argc - used);
	}
}
