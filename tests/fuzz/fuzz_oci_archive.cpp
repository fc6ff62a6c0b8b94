// The OCI layout reader, through an oci-archive (a layout in a tar) on arbitrary bytes:
// oci-layout, index.json, nested indexes, manifests, configs, descriptors.
#include "oci/formats.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/image_walk.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto set = oci::read_oci_archive(chalk::fuzz::input_file(data, size, ".tar"));
  if (set) chalk::fuzz::walk_image_set(*set);
  return 0;
}
