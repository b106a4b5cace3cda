/* pel/error.h — error codes shared by every pel component.
 *
 * Every pel function that can fail returns an int: 0 (PEL_OK) on success, or one of the
 * negative codes below. Task functions written by users return 0 for success and any
 * other value for failure; pel passes such a value through unchanged (see pel/group.h),
 * so user codes should be positive to stay distinguishable from pel's own.
 */
#ifndef PEL_ERROR_H
#define PEL_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, message): the one table of error codes and their descriptions. */
#define PEL_ERRNO_MAP(X)                                                                  \
    X(EINVAL, -1, "invalid argument")                                                      \
    X(ENOMEM, -2, "out of memory")                                                         \
    X(EBUSY, -3, "resource busy: work is still in flight")                                 \
    X(ECANCELED, -4, "operation canceled")                                                 \
    X(EDESTROYED, -5, "runtime has been destroyed")                                        \
    X(EFOREIGN, -6, "object belongs to another runtime or thread")                          \
    X(ENOSYS, -7, "feature not available in this build")                                   \
    X(EDEPFAILED, -8, "a task this one depends on failed")                                 \
    X(ESYSTEM, -9, "operating system call failed")                                         \
    X(EDEADLK, -10, "operation would deadlock")                                            \
    X(ESTALE, -11, "data handle is not registered (never, or no longer)")                  \
    X(EIO, -12, "a file could not be read or written (see errno)")

/* The error codes, as an enumeration: PEL_OK and PEL_EINVAL, PEL_ENOMEM, ... */
enum pel_error {
    PEL_OK = 0,
#define PEL_ERRNO_ENUM_(name, value, message) PEL_##name = (value),
    PEL_ERRNO_MAP(PEL_ERRNO_ENUM_)
#undef PEL_ERRNO_ENUM_
};

/* pel_strerror: a static, human-readable description of `code`.
 * Works for every pel code and for 0; any other value (for example a user task's own
 * error code) gives "unknown error". Never returns NULL. Thread-safe. */
const char *pel_strerror(int code);

/* pel_errname: the symbolic name of `code` ("PEL_EINVAL", "PEL_OK"), or "PEL_UNKNOWN".
 * Never returns NULL. Thread-safe. */
const char *pel_errname(int code);

#ifdef __cplusplus
}
#endif

#endif /* PEL_ERROR_H */
