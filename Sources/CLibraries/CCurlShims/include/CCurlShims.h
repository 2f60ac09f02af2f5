#ifndef QUARRY_CURL_SHIMS_H
#define QUARRY_CURL_SHIMS_H
#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them directly.
CURLcode quarry_curl_set_long(CURL *handle, CURLoption option, long value);
CURLcode quarry_curl_set_string(CURL *handle, CURLoption option, const char *value);
CURLcode quarry_curl_set_pointer(CURL *handle, CURLoption option, void *value);
CURLcode quarry_curl_set_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode quarry_curl_set_read_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *));
CURLcode quarry_curl_get_response_code(CURL *handle, long *code);
// The response's Content-Type, or NULL; and the absolute URL a 3xx points to, or NULL. Both owned by the handle.
const char *quarry_curl_get_content_type(CURL *handle);
const char *quarry_curl_get_redirect_url(CURL *handle);
// Seconds the answer's Retry-After asks to wait (a number or an HTTP date), or -1 when it has none.
long quarry_curl_get_retry_after(CURL *handle);

#endif
