// The docker-archive reader (legacy and Docker 25+) on arbitrary bytes: the tar, then
// manifest.json, index.json, repositories, manifests and configs inside it.
#include "oci/formats.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/image_walk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto set = oci::read_docker_archive(chalk::fuzz::input_file(data, size, ".tar"));
  if (set) chalk::fuzz::walk_image_set(*set);
  return 0;
}
