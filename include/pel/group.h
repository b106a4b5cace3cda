/* pel/group.h — fork-join task groups.
 *
 *     pel_group g;
 *     pel_group_init(&g, NULL);            // NULL: the default runtime
 *     pel_group_spawn(&g, work, &a);       // may run on another worker
 *     pel_group_spawn(&g, work, &b);
 *     int rc = pel_group_wait(&g);         // runs other ready work while it waits
 *
 * A task is a function `int fn(void *arg)` returning 0 on success and any other value
 * on failure. pel never copies or frees `arg`: it must stay valid until the task has
 * run, which pel_group_wait guarantees on return.
 *
 * Any thread may spawn into a group: its creator, a task of the group, or any other
 * thread, including threads that are not pel workers. Only the thread that initialised
 * the group may wait on it. Groups nest to any depth (a task may create, spawn into and
 * wait on groups of its own) without deadlock and without starting extra threads.
 * A group whose spawns succeeded must be waited on before its memory is reused.
 *
 * Several runtimes: a worker of one runtime that waits on a group of another keeps
 * running tasks of its own runtime meanwhile, so work may nest across runtimes in both
 * directions (a task of A waits on B, whose task waits on A).
 */
#ifndef PEL_GROUP_H
#define PEL_GROUP_H

#include "pel/runtime.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A task: returns 0 on success, any other value on failure. */
typedef int (*pel_task_fn)(void *arg);

/* A task group. Caller-allocated (usually on the stack) so that fork-join costs no
 * allocation; every field is private to pel. */
typedef struct pel_group {
    void *pel_private_[16];
} pel_group;

/* pel_group_init: prepare `g` to receive tasks that run on `rt` (NULL: the default
 * runtime). The calling thread becomes the group's owner, the only thread allowed to
 * wait on it. A group initialised inside a task of another group is that group's child:
 * cancelling the parent also cancels it.
 * Returns PEL_OK, PEL_EINVAL (g is NULL; or rt is NULL and the default runtime could not
 * be created) or PEL_EDESTROYED. */
int pel_group_init(pel_group *g, pel_runtime *rt);

/* pel_group_spawn: add a task running fn(arg) to `g`. It may start at once on another
 * worker, or later on this one. No lock and no allocation on a worker thread (task
 * records come from per-worker free lists).
 * Returns PEL_OK; PEL_EINVAL (g or fn is NULL, or g was never initialised);
 * PEL_EDESTROYED (g's runtime was destroyed); PEL_ECANCELED (g was cancelled: fn will not
 * run and the task counts as cancelled); PEL_ENOMEM. On failure fn never runs. */
int pel_group_spawn(pel_group *g, pel_task_fn fn, void *arg);

/* pel_group_wait: wait until every task of `g` (including tasks they spawned into `g`)
 * has finished or been skipped by cancellation. A worker (of any runtime) runs other
 * ready tasks of its runtime while it waits; a thread that is not a worker parks.
 * Returns PEL_OK if every task returned 0; otherwise the first non-zero value a task of
 * the group returned; PEL_ECANCELED if the group was cancelled and no task failed;
 * PEL_EINVAL (g is NULL or not initialised); PEL_EFOREIGN (the caller is not the thread
 * that initialised g). After it returns the group is empty and may be reused: its error
 * and cancellation state are cleared. */
int pel_group_wait(pel_group *g);

/* pel_group_cancel: cancel `g` and the groups nested in its tasks: tasks that have not
 * started yet are skipped (counted by pel_group_cancelled_count) and later spawns fail
 * with PEL_ECANCELED, until pel_group_wait returns. Running tasks are not interrupted;
 * long tasks can poll pel_group_is_cancelled. Any thread may call it.
 * Returns PEL_OK or PEL_EINVAL. */
int pel_group_cancel(pel_group *g);

/* pel_group_is_cancelled: 1 if `g` or a group it is nested in has been cancelled,
 * 0 if not, PEL_EINVAL if g is NULL or not initialised. */
int pel_group_is_cancelled(const pel_group *g);

/* pel_group_cancelled_count: how many tasks of `g` have been skipped because of
 * cancellation since it was initialised (including spawns refused with PEL_ECANCELED),
 * or PEL_EINVAL. The count survives pel_group_wait. */
long pel_group_cancelled_count(const pel_group *g);

#ifdef __cplusplus
}
#endif

#endif /* PEL_GROUP_H */
