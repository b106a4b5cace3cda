/* main.c — the `pel` command: dispatches to a subcommand (commands.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"

#ifndef PEL_TOOL_VERSION
#define PEL_TOOL_VERSION "unknown"
#endif

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command COMMANDS[] = {
    {"run", cmd_run, "run a workflow of shell commands, resuming safely (pel run --help)"},
    {"status", cmd_status, "what the last runs of a workflow left (pel status --help)"},
    {"trace", cmd_trace, "draw and analyse a trace written with PEL_TRACE (pel trace --help)"},
};

static void usage(FILE *f)
{
    fputs("usage: pel COMMAND [ARGS...]\n\ncommands:\n", f);
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        fprintf(f, "  %-8s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    fputs("\noptions:\n  -h, --help  this help\n  --version   pel's version\n", f);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return PEL_EXIT_USAGE;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return PEL_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("pel %s\n", PEL_TOOL_VERSION);
        return PEL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++)
        if (strcmp(argv[1], COMMANDS[i].name) == 0)
            return COMMANDS[i].run(argc - 1, argv + 1);
    pel_error("unknown command '%s' (pel --help lists them)", argv[1]);
    return PEL_EXIT_USAGE;
}
