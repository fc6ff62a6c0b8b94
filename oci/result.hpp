// oci/ speaks the foundation's results (oci/util/result.hpp) by their short names.
#pragma once

#include "oci/util/result.hpp"

namespace oci {

using chalk::util::Errc;
using chalk::util::Error;
using chalk::util::make_error;
using chalk::util::Result;
using chalk::util::Status;

}  // namespace oci
