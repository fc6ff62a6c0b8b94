// The Engine spoken through the `docker` CLI: for endpoints the HTTP API client cannot reach.
#include <sstream>

#include "plugin/docker/engine.hpp"

namespace chalk::docker {

namespace {

util::Error docker_error(const std::string& what, const std::string& cause) {
  return util::make_error(util::Errc::docker, what + ": " + cause);
}

// The last non-empty line of docker's stderr: its own one-line explanation.
std::string last_line(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::string last;
  while (std::getline(lines, line)) {
    if (!line.empty()) last = line;
  }
  return last.empty() ? "no message" : last;
}

class CliEngine final : public Engine {
 public:
  explicit CliEngine(DockerClient& client) : m_client(client) {}

  util::Result<oci::Json> inspect_image(const std::string& reference) override {
    auto result = m_client.capture({"image", "inspect", "--", reference});
    if (!result) return result.error();
    if (result->exit_code != 0) {
      // Not an engine failure: the name is simply unknown (a mistyped path, often).
      const bool unknown = result->err.find("No such image") != std::string::npos;
      return util::make_error(
          unknown ? util::Errc::not_found : util::Errc::docker,
          "`" + reference + "`: " +
              (unknown ? std::string("no such file, directory or local image")
                       : "no such file or directory, and docker cannot say whether it is a local "
                         "image: " +
                             last_line(result->err)));
    }
    auto json = oci::parse_json(result->out, "docker image inspect output");
    if (!json) return json.error();
    if (!json->is_array() || json->size() != 1 || !(*json)[0].is_object()) {
      return docker_error("inspecting image `" + reference + "`", "unexpected output");
    }
    return (*json)[0];
  }

  util::Result<oci::Json> image_history(const std::string& reference) override {
    auto result = run_checked({"history", "--no-trunc", "--human=false", "--format", "{{json .}}", reference},
                              "reading the history of `" + reference + "`");
    if (!result) return result.error();
    oci::Json entries = oci::Json::array();
    std::istringstream lines(result->out);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      auto entry = oci::parse_json(line, "docker history output");
      if (!entry) return entry.error();
      entries.insert(entries.begin(), std::move(*entry));  // docker prints newest first
    }
    return entries;
  }

  util::Status save_image(const std::string& reference, const std::filesystem::path& path) override {
    auto result = run_checked({"save", "-o", path.string(), reference}, "saving image `" + reference + "`");
    if (!result) return result.error();
    return {};
  }

  util::Result<std::string> load_image(const std::filesystem::path& archive) override {
    auto result = run_checked({"load", "-q", "-i", archive.string()}, "loading `" + archive.string() + "`");
    if (!result) return result.error();
    return result->out;
  }

  util::Result<std::optional<std::string>> copy_from_image(const std::string& reference,
                                                           const std::string& path) override {
    auto created =
        run_checked({"create", reference, "/chalk"}, "creating a container of `" + reference + "`");
    if (!created) return created.error();
    std::string container = created->out;
    while (!container.empty() && (container.back() == '\n' || container.back() == '\r')) container.pop_back();
    auto copied = m_client.capture({"cp", container + ":" + path, "-"});
    [[maybe_unused]] auto removed =
        m_client.capture({"rm", "-f", "-v", container});  // best effort: never started
    if (!copied) return copied.error();
    if (copied->exit_code != 0) return std::optional<std::string>();
    return std::optional<std::string>(std::move(copied->out));
  }

 private:
  util::Result<CommandResult> run_checked(const std::vector<std::string>& args, const std::string& what) {
    auto result = m_client.capture(args);
    if (!result) return result.error();
    if (result->exit_code != 0) return docker_error(what, last_line(result->err));
    return result;
  }

  DockerClient& m_client;
};

}  // namespace

std::unique_ptr<Engine> make_cli_engine(DockerClient& client) { return std::make_unique<CliEngine>(client); }

}  // namespace chalk::docker
