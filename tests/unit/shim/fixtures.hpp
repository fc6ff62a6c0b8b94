#pragma once
// Where the shim's unit tests find their fixture files (copied from real kernels, see README).
#include <string>

namespace chalk::shim {

inline const std::string k_fixture_proc = CHALK_SHIM_FIXTURES "/proc";

}  // namespace chalk::shim
