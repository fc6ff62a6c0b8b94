#include "plugin/chalk/effects.hpp"

#include <algorithm>

#include "oci/digest.hpp"
#include "oci/util/random.hpp"
#include "plugin/chalk/host_facts.hpp"

namespace chalk {

Effects process_effects() {
  Effects effects;
  effects.now_ms = [] { return now_ms(); };
  effects.random = [](unsigned char* data, std::size_t size) { util::fill_random(data, size); };
  return effects;
}

Effects fixed_effects(std::int64_t ms, const std::string& seed) {
  Effects effects;
  effects.now_ms = [ms] { return ms; };
  // Each call continues the stream, as a real source gives new bytes on each call.
  effects.random = [seed, block = std::uint64_t{0}](unsigned char* data, std::size_t size) mutable {
    while (size > 0) {
      const auto digest = oci::sha256_raw(seed + "/" + std::to_string(block++));
      const std::size_t take = std::min(size, digest.size());
      std::copy_n(digest.begin(), take, data);
      data += take;
      size -= take;
    }
  };
  return effects;
}

}  // namespace chalk
