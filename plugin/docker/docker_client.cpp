#include "plugin/docker/docker_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

extern char** environ;

namespace chalk::docker {

namespace {

oci::Error docker_error(const std::string& what, const std::string& cause) {
  return oci::make_error(oci::Errc::docker, what + ": " + cause);
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

class ProcessClient final : public DockerClient {
public:
  explicit ProcessClient(std::string executable) : m_executable(std::move(executable)) {}

  oci::Result<int> stream(const std::vector<std::string>& args) override {
    auto pid = spawn(args, nullptr, nullptr, nullptr);
    if (!pid) return pid.error();
    return wait_for(*pid);
  }

  oci::Result<CommandResult> capture(const std::vector<std::string>& args, const std::string& input) override {
    int in_pipe[2];
    int out_pipe[2];
    int err_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
      return docker_error("running docker", std::strerror(errno));
    }
    auto pid = spawn(args, in_pipe, out_pipe, err_pipe);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (!pid) {
      ::close(in_pipe[1]);
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
      return pid.error();
    }
    CommandResult result;
    pump(in_pipe[1], input, out_pipe[0], err_pipe[0], result);
    auto status = wait_for(*pid);
    if (!status) return status.error();
    result.exit_code = *status;
    return result;
  }

private:
  oci::Result<pid_t> spawn(const std::vector<std::string>& args, int* in, int* out, int* err) {
    std::vector<std::string> full{m_executable};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& arg : full) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (in != nullptr) {
      posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
      posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
      posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
    }
    pid_t pid = 0;
    const int status = posix_spawnp(&pid, m_executable.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (status != 0) return docker_error("running `" + m_executable + "`", std::strerror(status));
    return pid;
  }

  static oci::Result<int> wait_for(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
      if (errno != EINTR) return docker_error("waiting for docker", std::strerror(errno));
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
  }

  // Feeds stdin and drains stdout/stderr together, so neither pipe can fill and block.
  static void pump(int in, const std::string& input, int out, int err, CommandResult& result) {
    std::size_t written = 0;
    if (input.empty()) {
      ::close(in);
      in = -1;
    }
    char buffer[65536];
    while (out >= 0 || err >= 0) {
      pollfd fds[3] = {{out, POLLIN, 0}, {err, POLLIN, 0}, {in, POLLOUT, 0}};
      if (::poll(fds, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        int& fd = i == 0 ? out : err;
        if (fd < 0 || fds[i].revents == 0) continue;
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got > 0) {
          (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(got));
        } else if (got == 0 || errno != EINTR) {
          ::close(fd);
          fd = -1;
        }
      }
      if (in >= 0 && fds[2].revents != 0) {
        const ssize_t sent = ::write(in, input.data() + written, input.size() - written);
        if (sent > 0) written += static_cast<std::size_t>(sent);
        if (sent < 0 || written == input.size()) {
          ::close(in);
          in = -1;
        }
      }
    }
    if (in >= 0) ::close(in);
  }

  std::string m_executable;
};

oci::Result<CommandResult> run_checked(DockerClient& client, const std::vector<std::string>& args, const std::string& what) {
  auto result = client.capture(args);
  if (!result) return result.error();
  if (result->exit_code != 0) return docker_error(what, last_line(result->err));
  return result;
}

}  // namespace

std::unique_ptr<DockerClient> make_process_client(std::string docker_exe) {
  if (docker_exe.empty()) {
    const char* original = std::getenv("DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND");
    docker_exe = original != nullptr && *original != '\0' ? original : "docker";
  }
  return std::make_unique<ProcessClient>(std::move(docker_exe));
}

oci::Result<oci::Json> inspect_image(DockerClient& client, const std::string& reference) {
  auto result = client.capture({"image", "inspect", "--", reference});
  if (!result) return result.error();
  if (result->exit_code != 0) {
    // Not an engine failure: the name is simply unknown (a mistyped path, often).
    const bool unknown = result->err.find("No such image") != std::string::npos;
    return oci::make_error(unknown ? oci::Errc::not_found : oci::Errc::docker,
                           "`" + reference + "`: " + (unknown ? std::string("no such file, directory or local image")
                                                              : "no such file or directory, and docker cannot say whether "
                                                                "it is a local image: " + last_line(result->err)));
  }
  auto json = oci::parse_json(result->out, "docker image inspect output");
  if (!json) return json.error();
  if (!json->is_array() || json->size() != 1 || !(*json)[0].is_object()) {
    return docker_error("inspecting image `" + reference + "`", "unexpected output");
  }
  return (*json)[0];
}

oci::Result<oci::Json> image_history(DockerClient& client, const std::string& reference) {
  auto result = run_checked(client, {"history", "--no-trunc", "--human=false", "--format", "{{json .}}", reference},
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

oci::Status save_image(DockerClient& client, const std::string& reference, const std::string& path) {
  auto result = run_checked(client, {"save", "-o", path, reference}, "saving image `" + reference + "`");
  if (!result) return result.error();
  return {};
}

oci::Result<std::string> load_image(DockerClient& client, const std::string& path) {
  auto result = run_checked(client, {"load", "-q", "-i", path}, "loading `" + path + "`");
  if (!result) return result.error();
  return result->out;
}

}  // namespace chalk::docker
