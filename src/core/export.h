/* export.h — marks the functions that form libpel's public ABI (everything else is
 * hidden: the library is compiled with -fvisibility=hidden). */
#ifndef PEL_CORE_EXPORT_H
#define PEL_CORE_EXPORT_H

#define PEL_EXPORT __attribute__((visibility("default")))

#endif /* PEL_CORE_EXPORT_H */
