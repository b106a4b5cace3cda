/* pel/version.h — the library version, at compile time and at run time. */
#ifndef PEL_VERSION_H
#define PEL_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define PEL_VERSION_MAJOR 0
#define PEL_VERSION_MINOR 1
#define PEL_VERSION_PATCH 0
#define PEL_VERSION_STRING "0.1.0"

/* pel_version: the version of the library actually linked, as "MAJOR.MINOR.PATCH".
 * Compare with PEL_VERSION_STRING to detect a header/library mismatch. Thread-safe. */
const char *pel_version(void);

#ifdef __cplusplus
}
#endif

#endif /* PEL_VERSION_H */
