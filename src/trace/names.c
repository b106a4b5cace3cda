/* names.c — names of task functions in traces: registered with pel_trace_name, else the
 * symbol the dynamic linker knows (dladdr: exported functions, those of shared
 * libraries, and every function of a program linked with -rdynamic), else the address.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace_internal.h"

typedef struct named {
    const void *fn;
    char *name;
} named;

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static named *names;
static size_t nnames, names_cap;

PEL_EXPORT int pel_trace_name(const void *fn, const char *name)
{
    if (!fn || !name || !*name) return PEL_EINVAL;
    char *copy = strdup(name);
    if (!copy) return PEL_ENOMEM;
    pthread_mutex_lock(&names_lock);
    for (size_t i = 0; i < nnames; i++) {
        if (names[i].fn == fn) {
            free(names[i].name);
            names[i].name = copy;
            pthread_mutex_unlock(&names_lock);
            return PEL_OK;
        }
    }
    if (nnames == names_cap) {
        size_t cap = names_cap ? 2 * names_cap : 16;
        named *grown = realloc(names, cap * sizeof(*grown));
        if (!grown) {
            pthread_mutex_unlock(&names_lock);
            free(copy);
            return PEL_ENOMEM;
        }
        names = grown;
        names_cap = cap;
    }
    names[nnames++] = (named){fn, copy};
    pthread_mutex_unlock(&names_lock);
    return PEL_OK;
}

const char *pel__trace_fn_name(const void *fn, char *buf, size_t size)
{
    pthread_mutex_lock(&names_lock);
    for (size_t i = 0; i < nnames; i++) {
        if (names[i].fn == fn) {
            snprintf(buf, size, "%s", names[i].name);
            pthread_mutex_unlock(&names_lock);
            return buf;
        }
    }
    pthread_mutex_unlock(&names_lock);
    Dl_info info;
    if (fn && dladdr(fn, &info) && info.dli_sname && info.dli_saddr == fn)
        snprintf(buf, size, "%s", info.dli_sname);
    else
        snprintf(buf, size, "task@%p", fn);
    return buf;
}
