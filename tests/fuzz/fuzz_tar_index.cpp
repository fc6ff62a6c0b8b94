// The tar indexer (oci/tar_index.*) on arbitrary bytes: headers, PAX and GNU long names,
// hard links, names climbing out of the root. Every entry is then looked up again.
#include "oci/tar_index.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto index = oci::TarIndex::read(chalk::fuzz::input_file(data, size, ".tar"));
  if (index) {
    for (const auto& entry : index->entries()) (void)index->find_file(entry.name);
  }
  return 0;
}
