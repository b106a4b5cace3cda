/* cli.h — what every `pel` subcommand shares: messages, exit statuses, option parsing and
 * output files.
 *
 * Messages go to stderr prefixed "pel: ", so a script that captures stdout (a report, a
 * DOT graph written to "-") never mixes them into its data. Errors are printed where they
 * are found, by the function that knows the file name and the reason; callers only pass
 * the failure (-1) up and exit with PEL_EXIT_FAIL.
 */
#ifndef PEL_TOOL_CLI_H
#define PEL_TOOL_CLI_H

#include <stdio.h>

enum {
    PEL_EXIT_OK = 0,
    PEL_EXIT_FAIL = 1,  /* the input could not be read or the output not written */
    PEL_EXIT_USAGE = 2, /* a bad command line */
};

void pel_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pel_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 when arg asks for help (-h, --help). */
int cli_is_help(const char *arg);

/* Option with a value: "-o FILE", "--output FILE", "--output=FILE". Looks at argv[*i]:
 * returns 1 and sets *value (advancing *i past a separate value) when it is that option,
 * 0 when it is not, -1 (printed) when the value is missing. `shortopt` may be NULL. */
int cli_opt_value(int argc, char **argv, int *i, const char *shortopt, const char *longopt,
                  const char **value);

/* A decimal number in [min, max] for option `opt`; -1 (printed) if it is not one. */
int cli_parse_ulong(const char *opt, const char *s, unsigned long min, unsigned long max,
                    unsigned long *out);

/* An output file: "-" is stdout. NULL (printed) when it cannot be created. */
FILE *out_open(const char *path);
/* Flush and close; any write error is reported and the partial file removed. 0 or -1. */
int out_close(FILE *f, const char *path);
/* Close and remove after a failure that was already reported. */
void out_abandon(FILE *f, const char *path);

/* mkdir -p: create `dir` and its missing parents (mode 0777 & ~umask). 0, or -1 with
 * errno set. */
int mkdir_p(const char *dir);

#endif
