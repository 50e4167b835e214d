/* cohort.c - cdp-report cohort (being written). */
#include "diag.h"
#include "report.h"

int
cohort_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cdp_die(EX_SOFTWARE, NULL, 0, "cohort: not built yet");
}
