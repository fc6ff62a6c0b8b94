#include "tests/fuzz/fuzz_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace chalk::fuzz {

std::filesystem::path input_file(const std::uint8_t* data, std::size_t size, std::string_view suffix) {
  const char* tmpdir = std::getenv("TMPDIR");
  const std::filesystem::path path = std::filesystem::path(tmpdir != nullptr ? tmpdir : "/tmp") /
                                     ("chalk-fuzz-" + std::to_string(::getpid()) + std::string(suffix));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write the fuzz input file " + path.string());
  std::size_t written = 0;
  while (written < size) {
    const ssize_t n = ::write(fd, data + written, size - written);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("cannot write the fuzz input file " + path.string());
    }
    written += static_cast<std::size_t>(n);
  }
  ::close(fd);
  return path;
}

}  // namespace chalk::fuzz
