/* exec_log.h — helpers around the executor's output that the `pel run` command uses when
 * it reports a run: the tail of a task's log, and the names of outcomes. */
#ifndef PEL_RUN_EXEC_LOG_H
#define PEL_RUN_EXEC_LOG_H

#include <stdio.h>

#include "exec.h"

/* Print the last `lines` lines of the file at `path` to `out` (a final line without a
 * newline gets one). 0, or -1 with errno set when the file cannot be read or `out`
 * cannot be written. Reads only the end of the file, so a huge log costs little. */
int exec_log_tail(const char *path, unsigned lines, FILE *out);

/* A short lower-case name of an outcome ("ok", "exit", "timeout", ...), for traces and
 * messages; never NULL. */
const char *exec_outcome_name(exec_outcome o);

#endif
