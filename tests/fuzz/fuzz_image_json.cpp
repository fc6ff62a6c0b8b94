// Manifest, index and config JSON on their own: the bounded parser, then the config checks
// every later read relies on (check_image_config promises those reads cannot throw).
#include "oci/image.hpp"
#include "oci/json.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto json = oci::parse_json(chalk::fuzz::text_of(data, size), "fuzz.json");
  if (!json) return 0;
  if (oci::check_image_config(*json, "fuzz.json")) (void)oci::config_diff_ids(*json);
  (void)oci::string_field(*json, "mediaType", "fuzz.json");
  (void)oci::dump_json(*json);
  return 0;
}
