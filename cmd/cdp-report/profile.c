/* profile.c - cdp-report profile (being written). */
#include "diag.h"
#include "report.h"

int
profile_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cdp_die(EX_SOFTWARE, NULL, 0, "profile: not built yet");
}
