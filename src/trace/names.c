/* names.c — names of task functions in traces: registered with pel_trace_name, else the
 * function's symbol from the symbol tables of the program and its libraries (elfutils'
 * libdwfl: static functions too, unless the binary is stripped), else the symbol the
 * dynamic linker knows (dladdr), else the address. An export opens the symbol tables
 * once (pel__trace_names_open) and caches what it looked up.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef PEL_HAVE_LIBDW
#include <elfutils/libdwfl.h>
#endif

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

#ifdef PEL_HAVE_LIBDW
static Dwfl *dwfl; /* open during an export, under names_lock's protection of callers */
#endif

/* Recently resolved addresses (direct-mapped). */
#define CACHE_SIZE 256
static struct {
    const void *fn;
    char name[128];
} cache[CACHE_SIZE];

void pel__trace_names_open(void)
{
    pthread_mutex_lock(&names_lock);
    memset(cache, 0, sizeof cache);
#ifdef PEL_HAVE_LIBDW
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_linux_proc_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
    };
    dwfl = dwfl_begin(&callbacks);
    if (dwfl && (dwfl_linux_proc_report(dwfl, getpid()) != 0 ||
                 dwfl_report_end(dwfl, NULL, NULL) != 0)) {
        dwfl_end(dwfl);
        dwfl = NULL;
    }
#endif
    pthread_mutex_unlock(&names_lock);
}

void pel__trace_names_close(void)
{
    pthread_mutex_lock(&names_lock);
#ifdef PEL_HAVE_LIBDW
    if (dwfl) dwfl_end(dwfl);
    dwfl = NULL;
#endif
    pthread_mutex_unlock(&names_lock);
}

/* The symbol at exactly fn, or NULL. Called with names_lock held. */
static const char *symbol_of(const void *fn)
{
#ifdef PEL_HAVE_LIBDW
    if (dwfl) {
        Dwarf_Addr addr = (Dwarf_Addr)(uintptr_t)fn;
        Dwfl_Module *mod = dwfl_addrmodule(dwfl, addr);
        GElf_Sym sym;
        GElf_Off off = 0;
        const char *name = mod ? dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL) : NULL;
        if (name && off == 0) return name;
    }
#endif
    Dl_info info;
    if (fn && dladdr(fn, &info) && info.dli_sname && info.dli_saddr == fn) return info.dli_sname;
    return NULL;
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
    size_t slot = ((uintptr_t)fn >> 4) % CACHE_SIZE;
    if (fn && cache[slot].fn == fn) {
        snprintf(buf, size, "%s", cache[slot].name);
    } else {
        const char *name = symbol_of(fn);
        if (name)
            snprintf(buf, size, "%s", name);
        else
            snprintf(buf, size, "task@%p", fn);
        cache[slot].fn = fn;
        snprintf(cache[slot].name, sizeof cache[slot].name, "%s", buf);
    }
    pthread_mutex_unlock(&names_lock);
    return buf;
}
