// CPU time of one heartbeat's network tables (read + the report's JSON text), through netlink
// sock_diag and through /proc/net, with SOCKETS sockets open in this network namespace
// (scripts/bench.sh runs it in a fresh one, as a container has).
//
//   heartbeat_tables_bench [SOCKETS] [ROUNDS]     # defaults 1000, 200
//
// Prints one line per source, CPU ms (user + system) per heartbeat, then the socket tables
// read's user and system parts (the kernel splits CPU time between them by sampling):
//   <source> <socket tables read> <all tables read + JSON text> <tcp rows> <udp rows> <JSON bytes>
//   <socket tables read: user> <socket tables read: system>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "plugin/sinks/json_text.hpp"
#include "runtime-shim/sock_diag.hpp"

namespace {

using chalk::shim::SocketTableReader;

struct CpuMs {
  double user = 0;
  double system = 0;
  [[nodiscard]] double total() const { return user + system; }
};

CpuMs cpu_ms() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  const auto ms = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_usec) / 1e3;
  };
  return {ms(usage.ru_utime), ms(usage.ru_stime)};
}

int loopback_socket(int family, int type) {
  const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return fd;
  sockaddr_storage address{};
  socklen_t length = 0;
  if (family == AF_INET) {
    auto& ipv4 = reinterpret_cast<sockaddr_in&>(address);
    ipv4.sin_family = AF_INET;
    ipv4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    length = sizeof ipv4;
  } else {
    auto& ipv6 = reinterpret_cast<sockaddr_in6&>(address);
    ipv6.sin6_family = AF_INET6;
    ipv6.sin6_addr = in6addr_loopback;
    length = sizeof ipv6;
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Half TCP (a listener per family and connected pairs), half UDP; IPv4 and IPv6 alike.
bool open_sockets(int count, std::vector<int>& fds) {
  for (const int family : {AF_INET, AF_INET6}) {
    const int listener = loopback_socket(family, SOCK_STREAM);
    if (listener < 0 || ::listen(listener, 4096) != 0) return false;
    fds.push_back(listener);
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
    for (int i = 0; i < count / 8; ++i) {
      const int client = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (client < 0 || ::connect(client, reinterpret_cast<sockaddr*>(&address), length) != 0) return false;
      fds.push_back(client);
      const int server = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (server < 0) return false;
      fds.push_back(server);
    }
    for (int i = 0; i < count / 4; ++i) {
      const int udp = loopback_socket(family, SOCK_DGRAM);
      if (udp < 0) return false;
      fds.push_back(udp);
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const int sockets = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 200;
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
  std::vector<int> fds;
  if (!open_sockets(sockets, fds)) {
    std::perror("heartbeat_tables_bench: opening sockets");
    return 1;
  }
  for (const auto source : {SocketTableReader::Source::netlink, SocketTableReader::Source::proc}) {
    SocketTableReader reader("/proc", source);
    chalk::shim::SocketTables last;
    const CpuMs before_reads = cpu_ms();
    for (int i = 0; i < rounds; ++i) last = reader.read();
    const CpuMs after_reads = cpu_ms();
    const double read_user = (after_reads.user - before_reads.user) / rounds;
    const double read_system = (after_reads.system - before_reads.system) / rounds;
    if (source == SocketTableReader::Source::netlink && reader.tcp_source() != source) {
      std::fputs("heartbeat_tables_bench: netlink was refused\n", stderr);
      return 1;
    }
    std::size_t bytes = 0;
    const CpuMs before_beats = cpu_ms();
    for (int i = 0; i < rounds; ++i)
      bytes += chalk::sinks::json_text(chalk::shim::network_tables("/proc", reader.read())).size();
    const double per_beat = (cpu_ms().total() - before_beats.total()) / rounds;
    std::printf("%s %.3f %.3f %zu %zu %zu %.3f %.3f\n",
                source == SocketTableReader::Source::netlink ? "netlink" : "proc", read_user + read_system,
                per_beat, nlohmann::json::parse(last.tcp).size(), nlohmann::json::parse(last.udp).size(),
                bytes / static_cast<std::size_t>(rounds), read_user, read_system);
  }
  for (const int fd : fds) ::close(fd);
  return 0;
}
