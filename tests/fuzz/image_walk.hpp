#pragma once
// Reads everything a reader accepted the way the commands do: every platform image's
// platform, diff IDs and history, below every entry.
#include <vector>

#include "oci/image.hpp"

namespace chalk::fuzz {

inline void walk_image_set(const oci::ImageSet& set) {
  for (const auto& entry : set.entries) {
    std::vector<const oci::Image*> images;
    oci::collect_images(entry.node, images);
    for (const oci::Image* image : images) {
      (void)image->platform();
      (void)image->diff_ids();
      (void)image->history();
    }
  }
}

}  // namespace chalk::fuzz
