/* funnel.c - cdp-report funnel (being written). */
#include "diag.h"
#include "report.h"

int
funnel_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cdp_die(EX_SOFTWARE, NULL, 0, "funnel: not built yet");
}
