/* attribution.c - cdp-report attribution (being written). */
#include "diag.h"
#include "report.h"

int
attribution_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cdp_die(EX_SOFTWARE, NULL, 0, "attribution: not built yet");
}
