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

#define RUN_(id, name, fn)	[CMD_##id] = fn,
static int (*const run[CMD_COUNT])(const struct score_opts *, char **,
    int) = { SCORE_CMDS(RUN_) };

int
main(int argc, char *argv[])
{
	struct score_opts opt;
	int used;

	cdp_diag_init("cdp-score");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	return run[opt.cmd](&opt, argv + used, argc - used);
}
