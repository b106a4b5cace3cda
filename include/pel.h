/* pel.h — the Parallel Execution Layer: include this one header for the whole API.
 *
 *   pel/error.h    error codes and pel_strerror
 *   pel/version.h  version
 *   pel/runtime.h  runtimes and worker threads
 *   pel/group.h    fork-join task groups
 *   pel/loop.h     parallel for / reduce / sort
 *   pel/data.h     dataflow: data handles, access modes, derived dependencies
 */
#ifndef PEL_H
#define PEL_H

#include "pel/error.h"
#include "pel/version.h"
#include "pel/runtime.h"
#include "pel/group.h"
#include "pel/loop.h"
#include "pel/data.h"
#include "pel/trace.h"

#endif /* PEL_H */
