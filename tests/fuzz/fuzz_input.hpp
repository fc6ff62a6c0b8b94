#pragma once
// What the fuzz targets share: the libFuzzer entry point's signature, and a scratch file for
// the readers that take a path (archives are indexed by offset, not read from memory).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace chalk::fuzz {

inline std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Writes the input to one file per process (in $TMPDIR) and returns its path; the file is
// rewritten for every input, so a run leaves one small file behind, not one per input.
std::filesystem::path input_file(const std::uint8_t* data, std::size_t size, std::string_view suffix);

}  // namespace chalk::fuzz
