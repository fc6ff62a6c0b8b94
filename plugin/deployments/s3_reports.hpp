// Reports in a bucket written by the s3 sink (REPORTS.md §9): ListObjectsV2 under
// `PREFIX/`, pages of up to 1000 keys, then a GET per object, signed as the sink signs.
// `dt=` partitions out of range are neither fetched nor listed past.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "oci/util/result.hpp"
#include "plugin/deployments/files.hpp"
#include "plugin/deployments/model.hpp"
#include "plugin/sinks/effects.hpp"
#include "plugin/sinks/remote_sinks.hpp"

namespace chalk::deployments {

// The keys and continuation token of one ListObjectsV2 page (`<Key>`, `<NextContinuationToken>`).
struct ObjectListing {
  std::vector<std::string> keys;
  std::string next_token;  // "" on the last page
};
util::Result<ObjectListing> parse_object_listing(std::string_view xml);

// Calls `each(name, text)` for every object under the bucket's prefix whose partitions are in
// `dates`; `name` is `s3://BUCKET/KEY`. An object that cannot be fetched is skipped (named in
// `tally`); a listing that fails is an error.
util::Status read_s3_objects(const sinks::S3Requests& s3, sinks::HttpTransport& transport,
                             sinks::Clock& clock, const DateRange& dates,
                             const std::function<void(const std::string& name, std::string_view text)>& each,
                             Tally& tally);

}  // namespace chalk::deployments
