/* cdp-journey - activation: walk each profile's events through the stages
 * of a journey and decide which message to send, when and on which
 * channel, under consent, frequency caps, quiet hours and suppression,
 * with holdouts and variants to measure it by. */
#include "diag.h"
#include "journey.h"

int
main(int argc, char *argv[])
{
	struct journey_opts opt;
	int used;

	cdp_diag_init("cdp-journey");
	used = parse_options(argc, argv, &opt);	/* exits 64 on misuse */
	return journey_run(&opt, argv + used, argc - used);
}
