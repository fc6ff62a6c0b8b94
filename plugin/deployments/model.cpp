#include "plugin/deployments/model.hpp"

namespace chalk::deployments {

std::string normalize_digest(std::string_view text) {
  if (text.substr(0, 7) == "sha256:") text.remove_prefix(7);
  if (text.size() != 64) return "";
  std::string digest = "sha256:";
  for (char c : text) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return "";
    digest += c;
  }
  return digest;
}

std::string_view evidence_name(Evidence evidence) {
  switch (evidence) {
    case Evidence::registry_digest:
      return "registry_digest";
    case Evidence::image_id:
      return "image_id";
    case Evidence::tag:
      return "tag";
    case Evidence::heartbeat:
      return "heartbeat";
    case Evidence::untraced:
      break;
  }
  return "untraced";
}

namespace {

template <typename T>
void insert_all_sorted(std::vector<T>& into, const std::vector<T>& values) {
  for (const auto& value : values) insert_sorted(into, value);
}

std::optional<std::size_t> lookup(const std::unordered_map<std::string, std::size_t>& index,
                                  const std::string& key) {
  const auto found = index.find(key);
  if (found == index.end()) return std::nullopt;
  return found->second;
}

}  // namespace

std::size_t Catalog::add(const MarkEntry& entry) {
  const Mark& mark = entry.mark;
  const std::string& key = mark.metadata_id.empty() ? mark.chalk_id : mark.metadata_id;
  std::size_t position = m_marks.size();
  const auto found = key.empty() ? m_by_id.end() : m_by_id.find(key);
  if (found != m_by_id.end()) {
    position = found->second;
  } else {
    m_marks.push_back(Mark{});
    if (!key.empty()) m_by_id.emplace(key, position);
  }
  Mark& into = m_marks[position];
  const auto fill = [](std::string& field, const std::string& value) {
    if (field.empty()) field = value;
  };
  fill(into.chalk_id, mark.chalk_id);
  fill(into.metadata_id, mark.metadata_id);
  fill(into.repository, mark.repository);
  fill(into.commit, mark.commit);
  fill(into.branch, mark.branch);
  fill(into.dockerfile_path, mark.dockerfile_path);
  if (into.built_ms == 0) into.built_ms = mark.built_ms;
  insert_all_sorted(into.images, mark.images);
  for (const auto& id : entry.image_ids) m_by_image_id.emplace(id, position);
  for (const auto& digest : entry.digests) m_by_digest.emplace(digest, position);
  // Heartbeats without a METADATA_ID name their mark by CHALK_ID (shared by an invocation's
  // platforms: the first one read stands for them).
  if (!mark.chalk_id.empty()) m_by_id.emplace(mark.chalk_id, position);
  return position;
}

void Catalog::add_heartbeat(const HeartbeatSummary& beat) {
  const std::string& id = beat.metadata_id.empty() ? beat.chalk_id : beat.metadata_id;
  const auto [found, inserted] = m_heartbeat_index.try_emplace({id, beat.host}, m_heartbeats.size());
  if (inserted) {
    m_heartbeats.push_back(beat);
    return;
  }
  HeartbeatSummary& into = m_heartbeats[found->second];
  if (beat.first_ms != 0 && (into.first_ms == 0 || beat.first_ms < into.first_ms))
    into.first_ms = beat.first_ms;
  if (beat.last_ms > into.last_ms) into.last_ms = beat.last_ms;
  if (into.chalk_id.empty()) into.chalk_id = beat.chalk_id;
  insert_all_sorted(into.exec_ids, beat.exec_ids);
  insert_all_sorted(into.listening_ports, beat.listening_ports);
  insert_all_sorted(into.addresses, beat.addresses);
  insert_all_sorted(into.connections, beat.connections);
}

std::optional<std::size_t> Catalog::by_digest(const std::string& digest) const {
  return lookup(m_by_digest, digest);
}
std::optional<std::size_t> Catalog::by_image_id(const std::string& image_id) const {
  return lookup(m_by_image_id, image_id);
}
std::optional<std::size_t> Catalog::by_id(const std::string& id) const { return lookup(m_by_id, id); }
std::optional<std::size_t> Catalog::by_tag(const std::string& reference) const {
  return lookup(m_by_tag, reference);
}
void Catalog::add_tag(const std::string& reference, std::size_t mark) {
  m_by_tag.insert_or_assign(reference, mark);
}

}  // namespace chalk::deployments
