#ifndef FEEDD_CCURL_SHIM_H
#define FEEDD_CCURL_SHIM_H

#include <curl/curl.h>

/* libcurl is not linked: loader.c loads it on the first call of any curl_* function feedd uses (see
   there). The functions below are defined there too. */

/* Loads libcurl if it is not loaded yet; 1 when it is loaded, 0 when it cannot be (then
   feedd_curl_load_error() says why). */
int feedd_curl_load(void);

/* Why libcurl could not be loaded, or NULL when it is loaded. Loads it first if needed. */
const char *feedd_curl_load_error(void);

/* curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot call:
   one typed wrapper per argument kind. */

CURLcode feedd_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode feedd_curl_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode feedd_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode feedd_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode feedd_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);

typedef size_t (*feedd_curl_data_callback)(char *data, size_t size, size_t count, void *context);
typedef int (*feedd_curl_progress_callback)(void *context, curl_off_t dltotal, curl_off_t dlnow,
                                            curl_off_t ultotal, curl_off_t ulnow);

CURLcode feedd_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, feedd_curl_data_callback value);
CURLcode feedd_curl_easy_setopt_progress_callback(CURL *handle, CURLoption option,
                                                  feedd_curl_progress_callback value);

CURLcode feedd_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode feedd_curl_easy_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode feedd_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
CURLcode feedd_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);

/* curl_version_info(CURLVERSION_NOW): the macro names the newest struct version this header knows.
   NULL when libcurl cannot be loaded. */
curl_version_info_data *feedd_curl_version_info(void);

CURLMcode feedd_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

#endif
