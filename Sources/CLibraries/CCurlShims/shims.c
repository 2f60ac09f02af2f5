#include "CCurlShims.h"

CURLcode quarry_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode quarry_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode quarry_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode quarry_curl_set_write_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, function);
}

CURLcode quarry_curl_set_read_function(CURL *handle, size_t (*function)(char *, size_t, size_t, void *)) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, function);
}

CURLcode quarry_curl_get_response_code(CURL *handle, long *code) {
    return curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, code);
}

const char *quarry_curl_get_content_type(CURL *handle) {
    char *value = NULL;
    return curl_easy_getinfo(handle, CURLINFO_CONTENT_TYPE, &value) == CURLE_OK ? value : NULL;
}

const char *quarry_curl_get_redirect_url(CURL *handle) {
    char *value = NULL;
    return curl_easy_getinfo(handle, CURLINFO_REDIRECT_URL, &value) == CURLE_OK ? value : NULL;
}

long quarry_curl_get_retry_after(CURL *handle) {
    curl_off_t seconds = 0;
    if (curl_easy_getinfo(handle, CURLINFO_RETRY_AFTER, &seconds) != CURLE_OK) return -1;
    // libcurl says 0 both for "Retry-After: 0" and for no header at all: a wait of none either way.
    return (long)seconds;
}
