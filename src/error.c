/* error.c — pel_strerror, pel_errname and pel_version. */
#include "pel/error.h"
#include "pel/version.h"

#include "core/export.h"

PEL_EXPORT const char *pel_strerror(int code)
{
    switch (code) {
    case PEL_OK: return "success";
#define PEL_ERRNO_MSG_(name, value, message) case PEL_##name: return message;
        PEL_ERRNO_MAP(PEL_ERRNO_MSG_)
#undef PEL_ERRNO_MSG_
    default: return "unknown error";
    }
}

PEL_EXPORT const char *pel_errname(int code)
{
    switch (code) {
    case PEL_OK: return "PEL_OK";
#define PEL_ERRNO_NAME_(name, value, message) case PEL_##name: return "PEL_" #name;
        PEL_ERRNO_MAP(PEL_ERRNO_NAME_)
#undef PEL_ERRNO_NAME_
    default: return "PEL_UNKNOWN";
    }
}

PEL_EXPORT const char *pel_version(void)
{
    return PEL_VERSION_STRING;
}
