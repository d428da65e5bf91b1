/* owed bank: placeholder until the bank commands land. */
#include "cli/cli.h"
const char cmd_bank_summary[] = "read bank statements and match them to invoices";
const char cmd_bank_help[] = "usage: owed bank import|parse|entries|review|confirm|reject\n";
int cmd_bank(struct cli *cli, int argc, char **argv)
{
    (void)cli; (void)argc; (void)argv;
    cli_error("owed bank: not yet");
    return EXIT_FAILURE_;
}
const char cmd_match_summary[] = "report how well bank entries were matched";
const char cmd_match_help[] = "usage: owed match --report\n";
int cmd_match(struct cli *cli, int argc, char **argv)
{
    (void)cli; (void)argc; (void)argv;
    cli_error("owed match: not yet");
    return EXIT_FAILURE_;
}
