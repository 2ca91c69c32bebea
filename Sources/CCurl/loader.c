/* libcurl, loaded on first use (dlopen) instead of at process start.

   Linking libcurl makes the dynamic loader map and initialise it and its 30-odd dependencies (OpenSSL,
   GnuTLS, Kerberos, LDAP, libssh2, nghttp2, ...) in every process, about 12 million instructions before
   `main`: most of the start-up of `feedd parse FILE`, which never fetches (docs/benchmarks.md). These
   functions stand in for the libcurl functions feedd calls: the first call loads libcurl.so.4 and looks
   every function up, and each then forwards to the real one. No other logic here.

   The list is every curl_* function the executable calls: feedd's own (shim.h and Sources/Curl) and those
   of Foundation's URLSession (FoundationNetworking, linked in through FlyingFox, which feedd does not use
   but which names curl_easy_pause, curl_multi_assign and curl_multi_socket_action as well). With all of
   them defined here, nothing in the executable needs libcurl.so.4 at start-up (`nm -D --undefined-only feedd
   | grep curl_` prints nothing). The linker still names it among the needed libraries, because
   FoundationNetworking's module asks for -lcurl; scripts/install removes that entry (patchelf).

   When libcurl cannot be loaded, the functions that make something (curl_global_init, curl_easy_init,
   curl_multi_init, curl_url, curl_slist_append) fail as libcurl itself would, and
   feedd_curl_load_error() says why; the others take a handle, which then cannot exist. */

#include "shim.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt

#define FEEDD_CURL_LIBRARY "libcurl.so.4"

static struct {
    CURLcode (*global_init)(long);
    CURL *(*easy_init)(void);
    void (*easy_cleanup)(CURL *);
    CURLcode (*easy_perform)(CURL *);
    void (*easy_reset)(CURL *);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    const struct curl_easyoption *(*easy_option_by_id)(CURLoption);
    void (*free)(void *);
    CURLM *(*multi_init)(void);
    CURLMcode (*multi_add_handle)(CURLM *, CURL *);
    CURLMcode (*multi_remove_handle)(CURLM *, CURL *);
    CURLMcode (*multi_cleanup)(CURLM *);
    CURLMsg *(*multi_info_read)(CURLM *, int *);
    CURLMcode (*multi_perform)(CURLM *, int *);
    CURLMcode (*multi_poll)(CURLM *, struct curl_waitfd[], unsigned int, int, int *);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    const char *(*multi_strerror)(CURLMcode);
    CURLMcode (*multi_wakeup)(CURLM *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    CURLU *(*url)(void);
    void (*url_cleanup)(CURLU *);
    CURLUcode (*url_get)(CURLU *, CURLUPart, char **, unsigned int);
    CURLUcode (*url_set)(CURLU *, CURLUPart, const char *, unsigned int);
    char *(*version)(void);
    curl_version_info_data *(*version_info)(CURLversion);
    CURLcode (*easy_pause)(CURL *, int);
    CURLMcode (*multi_assign)(CURLM *, curl_socket_t, void *);
    CURLMcode (*multi_socket_action)(CURLM *, curl_socket_t, int, int *);
} real;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int loaded;
static char load_error[512];

static int resolve(void *library, void **slot, const char *name) {
    *slot = dlsym(library, name);
    if (*slot == NULL) {
        snprintf(load_error, sizeof load_error, "%s has no %s (libcurl 7.73 or later is needed)",
                 FEEDD_CURL_LIBRARY, name);
        return 0;
    }
    return 1;
}

#define RESOLVE(field, name) resolve(library, (void **)&real.field, name)

static void load(void) {
    void *library = dlopen(FEEDD_CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error, "cannot load %s: %s", FEEDD_CURL_LIBRARY,
                 why ? why : "unknown error");
        return;
    }
    loaded = RESOLVE(global_init, "curl_global_init") && RESOLVE(easy_init, "curl_easy_init") &&
             RESOLVE(easy_cleanup, "curl_easy_cleanup") && RESOLVE(easy_perform, "curl_easy_perform") &&
             RESOLVE(easy_reset, "curl_easy_reset") && RESOLVE(easy_setopt, "curl_easy_setopt") &&
             RESOLVE(easy_getinfo, "curl_easy_getinfo") && RESOLVE(easy_strerror, "curl_easy_strerror") &&
             RESOLVE(easy_option_by_id, "curl_easy_option_by_id") && RESOLVE(free, "curl_free") &&
             RESOLVE(multi_init, "curl_multi_init") && RESOLVE(multi_add_handle, "curl_multi_add_handle") &&
             RESOLVE(multi_remove_handle, "curl_multi_remove_handle") &&
             RESOLVE(multi_cleanup, "curl_multi_cleanup") && RESOLVE(multi_info_read, "curl_multi_info_read") &&
             RESOLVE(multi_perform, "curl_multi_perform") && RESOLVE(multi_poll, "curl_multi_poll") &&
             RESOLVE(multi_setopt, "curl_multi_setopt") && RESOLVE(multi_strerror, "curl_multi_strerror") &&
             RESOLVE(multi_wakeup, "curl_multi_wakeup") && RESOLVE(slist_append, "curl_slist_append") &&
             RESOLVE(slist_free_all, "curl_slist_free_all") && RESOLVE(url, "curl_url") &&
             RESOLVE(url_cleanup, "curl_url_cleanup") && RESOLVE(url_get, "curl_url_get") &&
             RESOLVE(url_set, "curl_url_set") && RESOLVE(version, "curl_version") &&
             RESOLVE(version_info, "curl_version_info") && RESOLVE(easy_pause, "curl_easy_pause") &&
             RESOLVE(multi_assign, "curl_multi_assign") &&
             RESOLVE(multi_socket_action, "curl_multi_socket_action");
}

/* Whether libcurl is loaded, loading it on the first call (thread-safe). */
static int ready(void) {
    pthread_once(&load_once, load);
    return loaded;
}

/* For the functions that take a handle: one exists, so libcurl was loaded. */
static void need(void) {
    if (!ready()) {
        fprintf(stderr, "feedd: libcurl call without libcurl: %s\n", load_error);
        abort();
    }
}

int feedd_curl_load(void) { return ready(); }

const char *feedd_curl_load_error(void) { return ready() ? NULL : load_error; }

CURLcode curl_global_init(long flags) { return ready() ? real.global_init(flags) : CURLE_FAILED_INIT; }
CURL *curl_easy_init(void) { return ready() ? real.easy_init() : NULL; }
void curl_easy_cleanup(CURL *handle) { need(); real.easy_cleanup(handle); }
CURLcode curl_easy_perform(CURL *handle) { need(); return real.easy_perform(handle); }
void curl_easy_reset(CURL *handle) { need(); real.easy_reset(handle); }
const char *curl_easy_strerror(CURLcode code) {
    return ready() ? real.easy_strerror(code) : "libcurl could not be loaded";
}
const struct curl_easyoption *curl_easy_option_by_id(CURLoption id) {
    return ready() ? real.easy_option_by_id(id) : NULL;
}
void curl_free(void *pointer) { need(); real.free(pointer); }
CURLM *curl_multi_init(void) { return ready() ? real.multi_init() : NULL; }
CURLMcode curl_multi_add_handle(CURLM *multi, CURL *easy) { need(); return real.multi_add_handle(multi, easy); }
CURLMcode curl_multi_remove_handle(CURLM *multi, CURL *easy) { need(); return real.multi_remove_handle(multi, easy); }
CURLMcode curl_multi_cleanup(CURLM *multi) { need(); return real.multi_cleanup(multi); }
CURLMsg *curl_multi_info_read(CURLM *multi, int *queued) { need(); return real.multi_info_read(multi, queued); }
CURLMcode curl_multi_perform(CURLM *multi, int *running) { need(); return real.multi_perform(multi, running); }
CURLMcode curl_multi_poll(CURLM *multi, struct curl_waitfd extra_fds[], unsigned int extra_nfds, int timeout_ms,
                          int *ret) {
    need();
    return real.multi_poll(multi, extra_fds, extra_nfds, timeout_ms, ret);
}
const char *curl_multi_strerror(CURLMcode code) {
    return ready() ? real.multi_strerror(code) : "libcurl could not be loaded";
}
CURLMcode curl_multi_wakeup(CURLM *multi) { need(); return real.multi_wakeup(multi); }
struct curl_slist *curl_slist_append(struct curl_slist *list, const char *line) {
    return ready() ? real.slist_append(list, line) : NULL;
}
void curl_slist_free_all(struct curl_slist *list) {
    if (list != NULL) {
        need();
        real.slist_free_all(list);
    }
}
CURLU *curl_url(void) { return ready() ? real.url() : NULL; }
void curl_url_cleanup(CURLU *handle) { need(); real.url_cleanup(handle); }
CURLUcode curl_url_get(CURLU *handle, CURLUPart what, char **part, unsigned int flags) {
    need();
    return real.url_get(handle, what, part, flags);
}
CURLUcode curl_url_set(CURLU *handle, CURLUPart what, const char *part, unsigned int flags) {
    need();
    return real.url_set(handle, what, part, flags);
}
char *curl_version(void) { return ready() ? real.version() : load_error; }
curl_version_info_data *curl_version_info(CURLversion age) { return ready() ? real.version_info(age) : NULL; }

CURLcode curl_easy_pause(CURL *handle, int bitmask) { need(); return real.easy_pause(handle, bitmask); }
CURLMcode curl_multi_assign(CURLM *multi, curl_socket_t socket, void *pointer) {
    need();
    return real.multi_assign(multi, socket, pointer);
}
CURLMcode curl_multi_socket_action(CURLM *multi, curl_socket_t socket, int mask, int *running) {
    need();
    return real.multi_socket_action(multi, socket, mask, running);
}

/* The variadic functions take one argument after the option, of the type the option's number range
   names (CURLOPTTYPE_*, the same ranges for CURLMOPT_*), which is how libcurl itself reads it. */
#define FEEDD_FORWARD_OPTION(function, handle, option, ap)                                                  \
    do {                                                                                                     \
        if ((option) < CURLOPTTYPE_OBJECTPOINT) {                                                           \
            long value = va_arg(ap, long);                                                                  \
            va_end(ap);                                                                                     \
            return function(handle, option, value);                                                         \
        } else if ((option) < CURLOPTTYPE_OFF_T) {                                                          \
            void *value = va_arg(ap, void *);                                                               \
            va_end(ap);                                                                                     \
            return function(handle, option, value);                                                         \
        } else if ((option) < CURLOPTTYPE_BLOB) {                                                           \
            curl_off_t value = va_arg(ap, curl_off_t);                                                      \
            va_end(ap);                                                                                     \
            return function(handle, option, value);                                                         \
        } else {                                                                                             \
            void *value = va_arg(ap, void *);                                                               \
            va_end(ap);                                                                                     \
            return function(handle, option, value);                                                         \
        }                                                                                                    \
    } while (0)

CURLcode curl_easy_setopt(CURL *handle, CURLoption option, ...) {
    need();
    va_list ap;
    va_start(ap, option);
    FEEDD_FORWARD_OPTION(real.easy_setopt, handle, option, ap);
}
CURLMcode curl_multi_setopt(CURLM *handle, CURLMoption option, ...) {
    need();
    va_list ap;
    va_start(ap, option);
    FEEDD_FORWARD_OPTION(real.multi_setopt, handle, option, ap);
}
/* Every CURLINFO_* takes a pointer. */
CURLcode curl_easy_getinfo(CURL *handle, CURLINFO info, ...) {
    need();
    va_list ap;
    va_start(ap, info);
    void *value = va_arg(ap, void *);
    va_end(ap);
    return real.easy_getinfo(handle, info, value);
}

/* The typed forms of the variadic functions (shim.h). */
CURLcode feedd_curl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    need();
    return real.easy_setopt(handle, option, value);
}
CURLcode feedd_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    need();
    return real.easy_setopt(handle, option, value);
}
CURLcode feedd_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    need();
    return real.easy_setopt(handle, option, value);
}
CURLcode feedd_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    need();
    return real.easy_setopt(handle, option, value);
}
CURLcode feedd_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    need();
    return real.easy_setopt(handle, option, value);
}
CURLcode feedd_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, feedd_curl_data_callback value) {
    need();
    return real.easy_setopt(handle, option, value);
}
CURLcode feedd_curl_easy_setopt_progress_callback(CURL *handle, CURLoption option,
                                                  feedd_curl_progress_callback value) {
    need();
    return real.easy_setopt(handle, option, value);
}
CURLcode feedd_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    need();
    return real.easy_getinfo(handle, info, value);
}
CURLcode feedd_curl_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value) {
    need();
    return real.easy_getinfo(handle, info, value);
}
CURLcode feedd_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    need();
    return real.easy_getinfo(handle, info, value);
}
CURLcode feedd_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    need();
    return real.easy_getinfo(handle, info, value);
}
curl_version_info_data *feedd_curl_version_info(void) { return curl_version_info(CURLVERSION_NOW); }
CURLMcode feedd_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    need();
    return real.multi_setopt(handle, option, value);
}
