// Image references as users type them (docker's grammar and normalisation), chalk's image
// locations (`oci:DIR`, `docker-archive:FILE`, `docker://REF`) and paths inside archives.
#include "oci/formats.hpp"
#include "oci/reference.hpp"
#include "oci/tar_index.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(chalk::fuzz::text_of(data, size));
  (void)oci::parse_reference(text);
  (void)oci::same_reference(text, "docker.io/library/app:latest");
  (void)oci::docker_repo_tags({text});
  (void)oci::parse_image_ref(text);
  (void)oci::normalize_archive_path(text);
  (void)oci::resolve_archive_link("a/b/link", text);
  return 0;
}
