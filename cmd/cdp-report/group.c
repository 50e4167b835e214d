/* group.c - cdp-report group (being written). */
#include "diag.h"
#include "report.h"

int
group_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cdp_die(EX_SOFTWARE, NULL, 0, "group: not built yet");
}
