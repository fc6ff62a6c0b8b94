// Integration tests: the real static chalk-shim binary as a process (REPORTS.md §8).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "chalk_version.hpp"

extern char** environ;

namespace {

const std::string k_shim = CHALK_SHIM_BINARY;

// A child process with its stdout and stderr captured.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {}) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return;
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("CHALK_SHIM_ROOT=", 0) != 0) env.emplace_back(*e);
    }
    env.insert(env.end(), extra_env.begin(), extra_env.end());
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    m_pid = ::fork();
    if (m_pid == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::execve(args[0], args.data(), envp.data());
      ::_exit(255);
    }
    ::close(out[1]);
    ::close(err[1]);
    m_out = out[0];
    m_err = err[0];
  }
  ~Process() {
    if (m_pid > 0 && !m_waited) {
      ::kill(m_pid, SIGKILL);
      ::waitpid(m_pid, nullptr, 0);
    }
    if (m_out >= 0) ::close(m_out);
    if (m_err >= 0) ::close(m_err);
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  [[nodiscard]] pid_t pid() const { return m_pid; }

  // Reads until stdout holds `text` or `timeout_ms` passes.
  bool wait_for_output(const std::string& text, int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (m_stdout.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline || !pump(50))
        return m_stdout.find(text) != std::string::npos;
    }
    return true;
  }

  // Collects all output, waits for the exit; the exit code, 128+N for a signal, -1 on timeout.
  int finish(int timeout_ms = 15000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (pump(100)) {
      if (std::chrono::steady_clock::now() > deadline) return -1;
    }
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_waited = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& out() const { return m_stdout; }
  const std::string& err() const { return m_stderr; }

 private:
  // One poll round; false once both pipes are at EOF.
  bool pump(int timeout_ms) {
    pollfd fds[2] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
    if (m_out < 0 && m_err < 0) return false;
    if (::poll(fds, 2, timeout_ms) <= 0) return true;
    drain(fds[0], m_out, m_stdout);
    drain(fds[1], m_err, m_stderr);
    return m_out >= 0 || m_err >= 0;
  }
  static void drain(const pollfd& fd, int& owned, std::string& into) {
    if (owned < 0 || (fd.revents & (POLLIN | POLLHUP)) == 0) return;
    char buffer[4096];
    const ssize_t n = ::read(owned, buffer, sizeof buffer);
    if (n > 0) {
      into.append(buffer, static_cast<std::size_t>(n));
    } else {
      ::close(owned);
      owned = -1;
    }
  }

  pid_t m_pid = -1;
  int m_out = -1;
  int m_err = -1;
  bool m_waited = false;
  std::string m_stdout;
  std::string m_stderr;
};

class ShimRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    m_root = std::filesystem::temp_directory_path() /
             ("chalk-shim-it-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(m_root);
  }
  void TearDown() override { std::filesystem::remove_all(m_root); }

  void write(const std::string& name, const std::string& content) { std::ofstream(m_root / name) << content; }
  std::string root_env() const { return "CHALK_SHIM_ROOT=" + m_root.string(); }

  std::filesystem::path m_root;
};

const std::string k_mark =
    R"({"MAGIC":"dadfedabbadabbed","CHALK_ID":"RMZ2HA-J5EC-2K8D-SXZFCN","CHALK_VERSION":"0.1.0",)"
    R"("DOCKER_TAGS":["app:1"],"METADATA_ID":"N3D0SH-94M4-GC8Z-TZR92B"})"
    "\n";

std::vector<nlohmann::json> report_lines(const std::string& text) {
  std::vector<nlohmann::json> reports;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto value = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(value.is_discarded()) << line;
    if (value.is_array() && value.size() == 1) reports.push_back(value[0]);
  }
  return reports;
}

TEST(ShimBinary, IsFullyStatic) {
  Process readelf({"/usr/bin/readelf", "-l", k_shim});
  ASSERT_EQ(readelf.finish(), 0) << readelf.err();
  EXPECT_NE(readelf.out().find("LOAD"), std::string::npos);
  EXPECT_EQ(readelf.out().find("INTERP"), std::string::npos) << readelf.out();
  EXPECT_EQ(readelf.out().find("DYNAMIC"), std::string::npos) << readelf.out();
}

TEST(ShimBinary, Version) {
  Process shim({k_shim, "version"});
  EXPECT_EQ(shim.finish(), 0);
  EXPECT_EQ(shim.out(), std::string("chalk ") + chalk::k_project_version + " (runtime shim)\n");
  EXPECT_EQ(shim.err(), "");
}

TEST(ShimBinary, UnknownCommandIsAUsageError) {
  Process shim({k_shim, "dance"});
  EXPECT_EQ(shim.finish(), 2);
  EXPECT_EQ(shim.err().rfind("chalk: unknown command 'dance'\nusage: ", 0), 0U) << shim.err();
}

TEST(ShimBinary, PropagatesTheExitCode) {
  Process shim({k_shim, "exec", "--exec-command-name", "sh", "--", "-c", "exit 42"});
  EXPECT_EQ(shim.finish(), 42);
  EXPECT_EQ(shim.out(), "");
  EXPECT_EQ(shim.err(), "");
}

TEST(ShimBinary, DeathBySignalIs128PlusN) {
  Process shim({k_shim, "exec", "--", "/bin/sh", "-c", "kill -USR1 $$"});
  EXPECT_EQ(shim.finish(), 128 + SIGUSR1);
}

TEST(ShimBinary, ArgvZeroAsWrittenAndStdioUntouched) {
  Process shim({k_shim, "exec", "--exec-command-name", "sh", "--", "-c", "echo \"$0\"; echo to-err >&2"});
  EXPECT_EQ(shim.finish(), 0);
  EXPECT_EQ(shim.out(), "sh\n");
  EXPECT_EQ(shim.err(), "to-err\n");
}

TEST(ShimBinary, ForwardsSigtermToTheProgram) {
  Process shim({k_shim, "exec", "--", "/bin/sh", "-c",
                "trap 'echo got-term; exit 7' TERM; echo ready; while :; do sleep 0.05; done"});
  ASSERT_TRUE(shim.wait_for_output("ready\n"));
  ::kill(shim.pid(), SIGTERM);
  EXPECT_EQ(shim.finish(), 7);
  EXPECT_EQ(shim.out(), "ready\ngot-term\n");
}

TEST(ShimBinary, ForwardsRealtimeSignalsToo) {
  const std::string rt = std::to_string(SIGRTMIN + 2);
  Process shim({k_shim, "exec", "--", "/bin/sh", "-c", "echo ready; while :; do sleep 0.05; done"});
  ASSERT_TRUE(shim.wait_for_output("ready\n"));
  ::kill(shim.pid(), SIGRTMIN + 2);
  EXPECT_EQ(shim.finish(), 128 + SIGRTMIN + 2);
}

TEST(ShimBinary, CtrlCOnATerminalReachesTheProgramOnce) {
  // The program shares the shim's process group, so the terminal's SIGINT reaches it from
  // the kernel; the shim must not forward that one again.
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(
        k_shim.c_str(), k_shim.c_str(), "exec", "--", "/bin/sh", "-c",
        "n=0; trap 'n=$((n+1))' INT; echo ready; i=0; while [ $i -lt 10 ]; do sleep 0.05; i=$((i+1)); done; "
        "echo interrupts=$n",
        static_cast<char*>(nullptr));
    ::_exit(255);
  }
  std::string output;
  // False once the terminal is closed (EOF or EIO), true on data or a quiet interval.
  const auto read_some = [&](int timeout_ms) {
    pollfd fd{master, POLLIN, 0};
    if (::poll(&fd, 1, timeout_ms) <= 0) return true;
    char buffer[256];
    const ssize_t n = ::read(master, buffer, sizeof buffer);
    if (n <= 0) return false;
    output.append(buffer, static_cast<std::size_t>(n));
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (output.find("ready") == std::string::npos && std::chrono::steady_clock::now() < deadline &&
         read_some(100)) {
  }
  ASSERT_NE(output.find("ready"), std::string::npos) << output;
  ASSERT_EQ(::write(master, "\x03", 1), 1);
  while (std::chrono::steady_clock::now() < deadline && read_some(100)) {
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_NE(output.find("interrupts=1"), std::string::npos) << output;
}

TEST(ShimBinary, NotFoundIs127) {
  Process shim({k_shim, "exec", "--", "no-such-program-for-chalk"});
  EXPECT_EQ(shim.finish(), 127);
  EXPECT_EQ(shim.err(), "chalk: exec: no-such-program-for-chalk: not found\n");
}

TEST_F(ShimRoot, NotExecutableIs126) {
  write("data.txt", "not a program\n");
  Process shim({k_shim, "exec", "--", (m_root / "data.txt").string()});
  EXPECT_EQ(shim.finish(), 126);
  EXPECT_NE(shim.err().find("data.txt"), std::string::npos);
}

TEST(ShimBinary, ReapsOrphansAsPid1) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for a PID namespace";
  // An orphan (the backgrounded sleep) is re-parented to PID 1; the shim must reap it or it
  // stays a zombie. The script counts zombies after the orphan has ended.
  const std::string script =
      "(sleep 0.1 &); sleep 0.6; "
      "n=0; for s in /proc/[0-9]*/stat; do read -r line < \"$s\" 2>/dev/null || continue; "
      "case \"$line\" in *') Z '*) n=$((n+1));; esac; done; echo \"pid1=$(cut -d' ' -f1 /proc/1/stat) "
      "zombies=$n\"";
  Process probe({"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", "/bin/true"});
  if (probe.finish() != 0) GTEST_SKIP() << "unshare --pid unavailable here: " << probe.err();
  Process shim(
      {"/usr/bin/unshare", "--pid", "--fork", "--mount-proc", k_shim, "exec", "--", "/bin/sh", "-c", script});
  EXPECT_EQ(shim.finish(), 0) << shim.err();
  EXPECT_EQ(shim.out(), "pid1=1 zombies=0\n");
}

TEST(ShimBinary, ForkFailureRunsTheProgramInPlace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to run as another user";
  // As `nobody` with a process limit of 1, fork fails (EAGAIN): the shim must become the
  // program. The program's parent then is not chalk-shim, and it cannot fork either.
  const std::vector<std::string> limited = {"/usr/bin/setpriv", "--reuid",  "65534",
                                            "--regid",          "65534",    "--clear-groups",
                                            "/usr/bin/prlimit", "--nproc=1"};
  std::vector<std::string> argv = limited;
  argv.insert(argv.end(), {k_shim, "exec", "--", "/bin/sh", "-c",
                           "read -r parent < /proc/$PPID/comm; echo \"$parent\"; exit 4"});
  Process shim(argv);
  EXPECT_EQ(shim.finish(), 4) << shim.err();
  EXPECT_FALSE(shim.out().empty());
  EXPECT_NE(shim.out(), "chalk-shim\n");
}

TEST_F(ShimRoot, UnconfiguredWritesNothingAtAll) {
  write("chalk.json", k_mark);
  Process without_config({k_shim, "exec", "--", "/bin/sh", "-c", "sleep 0.1"}, {root_env()});
  EXPECT_EQ(without_config.finish(), 0);
  EXPECT_EQ(without_config.out(), "");
  EXPECT_EQ(without_config.err(), "");

  write("chalk.c4m", "");
  Process empty_config({k_shim, "exec", "--", "/bin/sh", "-c", "sleep 0.1"}, {root_env()});
  EXPECT_EQ(empty_config.finish(), 0);
  EXPECT_EQ(empty_config.out(), "");
  EXPECT_EQ(empty_config.err(), "");
}

TEST_F(ShimRoot, ExecAndHeartbeatReportsOnStdout) {
  write("chalk.json", k_mark);
  write("chalk.c4m",
        "exec.heartbeat: true\n"
        "exec.heartbeat_rate: <<200 msec>>\n"
        "subscribe(\"report\", \"json_console_out\")\n");
  const auto started = std::chrono::steady_clock::now();
  Process shim({k_shim, "exec", "--exec-command-name", "sh", "--", "-c", "sleep 0.7; exit 3"}, {root_env()});
  EXPECT_EQ(shim.finish(), 3);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  EXPECT_EQ(shim.err(), "");

  const auto reports = report_lines(shim.out());
  ASSERT_GE(reports.size(), 3U) << shim.out();
  const nlohmann::json& exec = reports[0];
  EXPECT_EQ(exec["_OPERATION"], "exec");
  EXPECT_EQ(exec["CHALK_ID"], "RMZ2HA-J5EC-2K8D-SXZFCN");
  EXPECT_EQ(exec["METADATA_ID"], "N3D0SH-94M4-GC8Z-TZR92B");
  EXPECT_EQ(exec["_EXEC_ID"].get<std::string>().size(), 16U);
  EXPECT_EQ(exec["_OP_HOSTINFO"], exec["_OP_HOST_VERSION"]);
  EXPECT_EQ(exec["_OP_NODENAME"], exec["_OP_HOST_NODENAME"]);
  EXPECT_TRUE(exec.contains("_OP_PLATFORM"));
  ASSERT_EQ(exec["_CHALKS"].size(), 1U);
  const nlohmann::json& artifact = exec["_CHALKS"][0];
  EXPECT_EQ(artifact["_OP_ARTIFACT_TYPE"], "Docker Container");
  EXPECT_EQ(artifact["DOCKER_TAGS"], nlohmann::json::array({"app:1"}));
  EXPECT_EQ(artifact["_PROCESS_ARGV"], nlohmann::json::array({"sh", "-c", "sleep 0.7; exit 3"}));
  EXPECT_EQ(artifact["_CURRENT_HASH"].get<std::string>().size(), 64U);
  EXPECT_EQ(artifact["_PROCESS_PARENT_PID"], shim.pid());

  // Tables come from this machine's /proc/net: `lo` is always in `dev`.
  EXPECT_TRUE(reports[1]["_OP_IPV4_INTERFACES"].contains("lo")) << reports[1].dump();
  for (std::size_t i = 1; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i]["_OPERATION"], "heartbeat");
    EXPECT_EQ(reports[i]["_HEARTBEAT_COUNT"], i);
    EXPECT_EQ(reports[i]["_EXEC_ID"], exec["_EXEC_ID"]);
    EXPECT_EQ(reports[i]["CHALK_ID"], "RMZ2HA-J5EC-2K8D-SXZFCN");
    EXPECT_GT(reports[i]["_TIMESTAMP"].get<std::int64_t>(), reports[i - 1]["_TIMESTAMP"].get<std::int64_t>());
  }
}

// Nice values of the threads of `pid`, from /proc/PID/task/TID/stat (field 19).
std::map<pid_t, int> thread_nice_values(pid_t pid) {
  std::map<pid_t, int> out;
  const std::filesystem::path tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    // The fields after the command name start at field 3 (state); nice is field 19.
    const std::vector<std::string> fields{std::istream_iterator<std::string>(rest), {}};
    if (fields.size() < 17) continue;
    out[static_cast<pid_t>(std::stol(task.path().filename().string()))] = std::stoi(fields[16]);
  }
  return out;
}

TEST_F(ShimRoot, HeartbeatNiceRenicesOnlyTheReportingThreads) {
  write("chalk.json", k_mark);
  write("chalk.c4m",
        "exec.heartbeat: true\n"
        "exec.heartbeat.nice: 7\n"
        "subscribe(\"report\", \"json_console_out\")\n");
  const int base = ::getpriority(PRIO_PROCESS, 0);
  Process shim({k_shim, "exec", "--", "/bin/sh", "-c", "sleep 1"}, {root_env()});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const auto nice = thread_nice_values(shim.pid());
  EXPECT_EQ(shim.finish(), 0);
  ASSERT_TRUE(nice.count(shim.pid())) << "no threads seen";
  EXPECT_EQ(nice.at(shim.pid()), base) << "the supervisor keeps its nice value";
  std::size_t reniced = 0;
  for (const auto& [tid, value] : nice) reniced += value == std::min(base + 7, 19) ? 1 : 0;
  EXPECT_GE(reniced, 1U);
}

TEST_F(ShimRoot, ShippedNetHeartbeatConfigSendsTheGuidesReport) {
  std::ifstream shipped(CHALK_NET_HEARTBEAT_CONFIG);
  std::string config((std::istreambuf_iterator<char>(shipped)), std::istreambuf_iterator<char>());
  const std::string rate = "<<30 minutes>>";
  ASSERT_NE(config.find(rate), std::string::npos);
  config.replace(config.find(rate), rate.size(), "<<200 msec>>");
  write("chalk.c4m", config);
  write("chalk.json", k_mark);
  Process shim({k_shim, "exec", "--", "/bin/sh", "-c", "sleep 0.5"}, {root_env()});
  EXPECT_EQ(shim.finish(), 0);
  EXPECT_EQ(shim.err(), "");

  // Only heartbeats (use_when), cut to the network_report template plus the join keys.
  const auto reports = report_lines(shim.out());
  ASSERT_GE(reports.size(), 1U) << shim.out();
  const std::set<std::string> allowed = {
      "CHALK_ID",         "CHALK_PTR",        "_OPERATION",          "_TIMESTAMP",
      "_CHALKS",          "_OP_PLATFORM",     "_OP_HOSTNAME",        "_OP_HOSTINFO",
      "_OP_NODENAME",     "_OP_ERRORS",       "_OP_TCP_SOCKET_INFO", "_OP_UDP_SOCKET_INFO",
      "_OP_IPV4_ROUTES",  "_OP_IPV6_ROUTES",  "_OP_IPV4_INTERFACES", "_OP_IPV6_INTERFACES",
      "_OP_ARP_TABLE",    "_DATETIME",        "METADATA_ID",         "_EXEC_ID",
      "_HEARTBEAT_COUNT", "_OP_HOST_VERSION", "_OP_HOST_NODENAME"};
  for (const auto& report : reports) {
    EXPECT_EQ(report["_OPERATION"], "heartbeat");
    for (const auto& [key, value] : report.items()) EXPECT_EQ(allowed.count(key), 1U) << key;
    for (const char* key :
         {"CHALK_ID", "METADATA_ID", "_EXEC_ID", "_HEARTBEAT_COUNT", "_OP_HOSTINFO", "_OP_HOST_VERSION",
          "_OP_NODENAME", "_OP_HOST_NODENAME", "_OP_HOSTNAME", "_OP_PLATFORM", "_TIMESTAMP"}) {
      EXPECT_TRUE(report.contains(key)) << key;
    }
  }
}

TEST_F(ShimRoot, ExecReportOfAProgramThatEndsAtOnce) {
  write("chalk.c4m", "subscribe(\"report\", \"json_console_out\")\n");
  Process shim({k_shim, "exec", "--", "/bin/true"}, {root_env()});
  EXPECT_EQ(shim.finish(), 0);
  const auto reports = report_lines(shim.out());
  ASSERT_EQ(reports.size(), 1U) << shim.out() << shim.err();
  EXPECT_EQ(reports[0]["_OPERATION"], "exec");
  EXPECT_EQ(reports[0]["_OP_UNMARKED_COUNT"], 1);
  EXPECT_EQ(reports[0]["_UNMARKED"], nlohmann::json::array({"/bin/true"}));
}

TEST_F(ShimRoot, RejectedConfigIsOneLineAndTheProgramRuns) {
  write("chalk.c4m", "x: \"abc\n");
  Process shim({k_shim, "exec", "--", "/bin/sh", "-c", "echo ran; exit 5"}, {root_env()});
  EXPECT_EQ(shim.finish(), 5);
  EXPECT_EQ(shim.out(), "ran\n");
  EXPECT_EQ(shim.err().rfind("chalk: (chalk-layer):1:4: lex: ", 0), 0U) << shim.err();
  EXPECT_EQ(std::count(shim.err().begin(), shim.err().end(), '\n'), 1);
}

TEST_F(ShimRoot, UnreachableSinkNeverHoldsTheProgram) {
  write("chalk.c4m",
        "sink_config down { sink: \"post\"\n uri: \"http://127.0.0.1:9/reports\" }\n"
        "subscribe(\"report\", \"down\")\n");
  const auto started = std::chrono::steady_clock::now();
  Process shim({k_shim, "exec", "--", "/bin/sh", "-c", "exit 9"}, {root_env()});
  EXPECT_EQ(shim.finish(), 9);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1800));
  EXPECT_EQ(shim.out(), "");
  EXPECT_EQ(shim.err().rfind("chalk: sink 'down' (post): ", 0), 0U) << shim.err();
  EXPECT_EQ(std::count(shim.err().begin(), shim.err().end(), '\n'), 1) << shim.err();
}

TEST_F(ShimRoot, OnbuildRewritesTheMark) {
  write("chalk.json", k_mark);
  Process shim({k_shim, "onbuild"}, {root_env()});
  EXPECT_EQ(shim.finish(), 0);
  std::ifstream file(m_root / "chalk.json");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  std::string parent = k_mark;
  parent.pop_back();
  EXPECT_EQ(text, R"({"EMBEDDED_CHALK":[)" + parent +
                      R"(],"OLD_CHALK_METADATA_ID":"N3D0SH-94M4-GC8Z-TZR92B"})" + "\n");

  write("chalk.json", "{broken");
  Process broken({k_shim, "onbuild"}, {root_env()});
  EXPECT_EQ(broken.finish(), 0);
  EXPECT_EQ(std::count(broken.err().begin(), broken.err().end(), '\n'), 1);
}

}  // namespace
