// Image names as docker and skopeo write them (`app`, `app:1`, `localhost:5000/team/app:1`,
// `app@sha256:…`, `docker://quay.io/x/y`), normalised by docker's rules (REPORTS.md §11):
// no registry, `docker.io` and `index.docker.io` are Docker Hub; a one-part Hub repository
// gets `library/`; a name with neither tag nor digest gets `latest`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "oci/result.hpp"

namespace oci {

struct Reference {
  std::string domain;      // "docker.io" for Docker Hub, else host[:port] as written (lowercase)
  std::string repository;  // path on the registry: "library/app", "team/app"
  std::string tag;         // "" only when a digest is given without a tag
  std::string digest;      // "sha256:<64 hex>" or ""

  // Docker's short form, as `docker images` and RepoTags show it: "app:1",
  // "localhost:5000/app:1", "team/app@sha256:…"; tag and digest both kept when both given.
  [[nodiscard]] std::string familiar() const;
  // The familiar repository without tag or digest: "app", "localhost:5000/app".
  [[nodiscard]] std::string familiar_name() const;
  // Fully qualified: "docker.io/library/app:1".
  [[nodiscard]] std::string full() const;
  // The host to speak the distribution API to: Docker Hub is "registry-1.docker.io".
  [[nodiscard]] std::string registry_host() const;
  // True for localhost, 127.0.0.0/8 and [::1]: registries that may speak plain HTTP.
  [[nodiscard]] bool is_loopback() const;

  friend bool operator==(const Reference&, const Reference&) = default;
};

// Parses a name as docker does (`docker://` prefix allowed); invalid_argument with the
// reason for anything docker would refuse (upper case, empty parts, bad tag or digest).
Result<Reference> parse_reference(std::string_view text);

// True when `a` and `b` name the same image tag or digest after normalisation
// ("app" and "docker.io/library/app:latest").
bool same_reference(std::string_view a, std::string_view b);

// The RepoTags an archive written for `docker load` carries for `names`: each in docker's
// familiar form with its tag ("app" is "app:latest", which docker load insists on), in order,
// without duplicates. Digest references are left out (docker never tags by digest);
// invalid_argument naming the first name docker would refuse.
Result<std::vector<std::string>> docker_repo_tags(const std::vector<std::string>& names);

}  // namespace oci
