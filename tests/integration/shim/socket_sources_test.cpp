// Integration: the two sources of the socket tables, netlink sock_diag and /proc/net, read
// the same kernel: this process opens TCP and UDP sockets on 127.0.0.1 and ::1 and both
// must list each of them with the same cells. Other processes share the network namespace,
// so only this process's sockets (by inode) are compared.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "runtime-shim/sock_diag.hpp"

namespace chalk::shim {
namespace {

// The sockets of one test, closed at its end.
class OpenSockets {
 public:
  OpenSockets() {
    for (const int family : {AF_INET, AF_INET6}) {
      const int listener = bound(family, SOCK_STREAM);
      ::listen(listener, 8);
      const int client = socket_of(family, SOCK_STREAM);
      sockaddr_storage address = address_of(listener);
      ::connect(client, reinterpret_cast<sockaddr*>(&address), address_length(family));
      m_fds.push_back(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
      const int unconnected = bound(family, SOCK_DGRAM);
      const int connected = bound(family, SOCK_DGRAM);
      sockaddr_storage peer = address_of(unconnected);
      ::connect(connected, reinterpret_cast<sockaddr*>(&peer), address_length(family));
    }
  }
  ~OpenSockets() {
    for (const int fd : m_fds) ::close(fd);
  }
  OpenSockets(const OpenSockets&) = delete;
  OpenSockets& operator=(const OpenSockets&) = delete;

  [[nodiscard]] bool all_open() const {
    return m_fds.size() == 10 && std::none_of(m_fds.begin(), m_fds.end(), [](int fd) { return fd < 0; });
  }

  [[nodiscard]] std::set<std::string> inodes() const {
    std::set<std::string> result;
    for (const int fd : m_fds) {
      struct stat status {};
      if (::fstat(fd, &status) == 0) result.insert(std::to_string(status.st_ino));
    }
    return result;
  }

 private:
  static socklen_t address_length(int family) {
    return family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  }

  int socket_of(int family, int type) {
    const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
    m_fds.push_back(fd);
    return fd;
  }

  // A socket bound to the loopback address of `family`, on a port the kernel picks.
  int bound(int family, int type) {
    const int fd = socket_of(family, type);
    sockaddr_storage address{};
    if (family == AF_INET) {
      auto& ipv4 = reinterpret_cast<sockaddr_in&>(address);
      ipv4.sin_family = AF_INET;
      ipv4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else {
      auto& ipv6 = reinterpret_cast<sockaddr_in6&>(address);
      ipv6.sin6_family = AF_INET6;
      ipv6.sin6_addr = in6addr_loopback;
    }
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), address_length(family));
    return fd;
  }

  static sockaddr_storage address_of(int fd) {
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    return address;
  }

  std::vector<int> m_fds;
};

// The rows of `rows` whose inode is one of `inodes`, sorted (each source has its own order).
// The reader's tables are the report's JSON text.
Rows rows_of_json(const std::string& text) { return nlohmann::json::parse(text).get<Rows>(); }

Rows rows_of(const Rows& rows, const std::set<std::string>& inodes) {
  Rows mine;
  for (const Row& row : rows) {
    if (row.size() == 7 && inodes.count(row[6]) != 0) mine.push_back(row);
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

// /proc/net/tcp is read a page at a time and the kernel resumes each read by position in
// its hash, so sockets that other tests open and close meanwhile can make one read skip a
// row (netlink's dump has no such gap). A few reads, each checked whole, tell a skipped
// row from a missing one.
constexpr int kProcReadAttempts = 5;

Rows proc_rows_of(Rows (*read)(const std::string&), const std::set<std::string>& inodes,
                  std::size_t expected) {
  Rows rows;
  for (int attempt = 0; attempt < kProcReadAttempts && rows.size() != expected; ++attempt) {
    rows = rows_of(read("/proc"), inodes);
  }
  return rows;
}

TEST(SocketSources, NetlinkAndProcNetListTheSameRows) {
  const OpenSockets sockets;
  ASSERT_TRUE(sockets.all_open());
  const auto inodes = sockets.inodes();
  ASSERT_EQ(inodes.size(), 10U);

  auto tcp = dump_sockets(SocketProtocol::tcp);
  ASSERT_TRUE(tcp.ok()) << tcp.error().message;
  auto udp = dump_sockets(SocketProtocol::udp);
  ASSERT_TRUE(udp.ok()) << udp.error().message;
  const Rows netlink_tcp = rows_of(*tcp, inodes);
  const Rows netlink_udp = rows_of(*udp, inodes);
  const Rows proc_tcp = proc_rows_of(read_proc_tcp, inodes, netlink_tcp.size());
  const Rows proc_udp = proc_rows_of(read_proc_udp, inodes, netlink_udp.size());

  // Per family: a listener, a connected client and its accepted peer; two UDP sockets.
  ASSERT_EQ(netlink_tcp.size(), 6U);
  ASSERT_EQ(netlink_udp.size(), 4U);
  EXPECT_EQ(netlink_tcp, proc_tcp);
  EXPECT_EQ(netlink_udp, proc_udp);
  const auto count_state = [](const Rows& rows, const std::string& state) {
    return std::count_if(rows.begin(), rows.end(), [&](const Row& row) { return row[4] == state; });
  };
  EXPECT_EQ(count_state(netlink_tcp, "LISTEN"), 2);
  EXPECT_EQ(count_state(netlink_tcp, "ESTABLISHED"), 4);
  EXPECT_EQ(count_state(netlink_udp, "UNCONN"), 4);
  const auto has_address = [](const Rows& rows, const std::string& ip) {
    return std::any_of(rows.begin(), rows.end(), [&](const Row& row) { return row[0] == ip; });
  };
  EXPECT_TRUE(has_address(netlink_tcp, "127.0.0.1"));
  EXPECT_TRUE(has_address(netlink_tcp, "0000:0000:0000:0000:0000:0000:0000:0001"));
  EXPECT_TRUE(has_address(netlink_udp, "127.0.0.1"));
  EXPECT_TRUE(has_address(netlink_udp, "0000:0000:0000:0000:0000:0000:0000:0001"));
}

// The fallback for kernels that refuse the both-families request lists the same TCP rows, and
// both list IPv4 before IPv6, as /proc/net/tcp and tcp6 read in turn do.
TEST(SocketSources, PerFamilyTcpDumpsListTheSameRowsAsOneDump) {
  const OpenSockets sockets;
  ASSERT_TRUE(sockets.all_open());
  const auto inodes = sockets.inodes();
  auto both = dump_sockets(SocketProtocol::tcp, TcpRequest::both_families);
  ASSERT_TRUE(both.ok()) << both.error().message;
  auto per_family = dump_sockets(SocketProtocol::tcp, TcpRequest::per_family);
  ASSERT_TRUE(per_family.ok()) << per_family.error().message;
  EXPECT_EQ(rows_of(*both, inodes).size(), 6U);
  EXPECT_EQ(rows_of(*both, inodes), rows_of(*per_family, inodes));
  const auto ipv4_first = [](const Rows& rows) {
    return std::is_partitioned(rows.begin(), rows.end(),
                               [](const Row& row) { return row[0].find(':') == std::string::npos; });
  };
  EXPECT_TRUE(ipv4_first(*both));
  EXPECT_TRUE(ipv4_first(*per_family));
}

TEST(SocketSources, TheReaderUsesNetlinkWhenAllowed) {
  const OpenSockets sockets;
  ASSERT_TRUE(sockets.all_open());
  SocketTableReader reader("/proc");
  const SocketTables tables = reader.read();
  EXPECT_EQ(reader.tcp_source(), SocketTableReader::Source::netlink);
  EXPECT_EQ(reader.udp_source(), SocketTableReader::Source::netlink);
  EXPECT_EQ(rows_of(rows_of_json(tables.tcp), sockets.inodes()).size(), 6U);
  EXPECT_EQ(rows_of(rows_of_json(tables.udp), sockets.inodes()).size(), 4U);
}

// Makes socket(AF_NETLINK, ...) fail with EPERM in this process, as a container's seccomp
// profile may.
bool refuse_netlink() {
  sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  sock_fprog program{static_cast<unsigned short>(sizeof filter / sizeof filter[0]), filter};
  return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
         ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

TEST(SocketSources, RefusedNetlinkFallsBackToProcNet) {
  const OpenSockets sockets;
  ASSERT_TRUE(sockets.all_open());
  const auto inodes = sockets.inodes();
  // The filter cannot be lifted: install it in a child, which reports through its exit code.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (!refuse_netlink()) ::_exit(10);
    if (dump_sockets(SocketProtocol::tcp).error().code != util::Errc::unsupported) ::_exit(11);
    SocketTableReader reader("/proc");
    for (int round = 0; round < 2; ++round) {
      bool complete = false;
      for (int attempt = 0; attempt < kProcReadAttempts && !complete; ++attempt) {
        const SocketTables tables = reader.read();
        if (reader.tcp_source() != SocketTableReader::Source::proc) ::_exit(12);
        if (reader.udp_source() != SocketTableReader::Source::proc) ::_exit(13);
        complete = rows_of(rows_of_json(tables.tcp), inodes).size() == 6 &&
                   rows_of(rows_of_json(tables.udp), inodes).size() == 4;
      }
      if (!complete) ::_exit(14);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "10: no seccomp, 11: not a refusal, 12/13: not /proc, 14: rows missing";
}

}  // namespace
}  // namespace chalk::shim
