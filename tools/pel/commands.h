/* commands.h — the `pel` program's subcommands. Each takes its own argv (argv[0] is the
 * command's name) and returns the process's exit status (cli.h). A new command (`pel
 * run`, ...) is a function here and a line in main.c's table. */
#ifndef PEL_TOOL_COMMANDS_H
#define PEL_TOOL_COMMANDS_H

int cmd_trace(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_status(int argc, char **argv);

#endif
