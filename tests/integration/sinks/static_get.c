/* Fetches a URL with the static libcurl and prints the body: proof that the shim's libcurl
   links fully static (no PT_INTERP) and speaks HTTP. */
#include <curl/curl.h>
#include <stdio.h>

static size_t print_body(char* data, size_t size, size_t count, void* user) {
  (void)user;
  return fwrite(data, size, count, stdout) * size;
}

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  CURL* easy = curl_easy_init();
  if (easy == NULL) return 1;
  curl_easy_setopt(easy, CURLOPT_URL, argv[1]);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, print_body);
  CURLcode code = curl_easy_perform(easy);
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(easy);
  if (code != CURLE_OK || status != 200) {
    fprintf(stderr, "static_get: %s, HTTP %ld\n", curl_easy_strerror(code), status);
    return 1;
  }
  return 0;
}
