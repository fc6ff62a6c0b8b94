// The socket tables of REPORTS.md §6 through NETLINK_SOCK_DIAG (inet_diag): the kernel hands
// over binary records of the sockets of this network namespace, instead of formatting its
// whole socket hash as /proc/net text for every read. Same rows and cells as proc_net's
// parse_tcp/parse_udp; /proc/net stays the fallback when netlink is refused.
#pragma once

#include <linux/inet_diag.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "oci/util/result.hpp"
#include "runtime-shim/proc_net.hpp"

namespace chalk::shim {

enum class SocketProtocol { tcp, udp };

// The fixed part of each socket's inet_diag message, in the order the kernel sent them.
using DiagRecords = std::vector<inet_diag_msg>;

// Appends the sockets of one received buffer of an inet_diag dump (a run of netlink messages)
// to `records`. True once the dump's NLMSG_DONE is in the buffer, false when more follows. An
// NLMSG_ERROR answer is Errc::unsupported when the kernel refuses the request (no
// permission, no inet_diag for the protocol), Errc::io otherwise; malformed messages are
// Errc::invalid_format.
util::Result<bool> parse_inet_diag_dump(std::span<const std::uint8_t> buffer, DiagRecords& records);

// The rows /proc/net lists for `records`: IPv4 before IPv6, each in the kernel's order (the
// both-families dump interleaves them); UDP sockets are "UNCONN". Request sockets (a
// connection between SYN and the handshake's last ACK) come without an owner from inet_diag,
// while /proc/net shows their listener's uid: they take the uid of the LISTEN socket on the
// same port (same address, else a wildcard one).
Rows socket_rows(const DiagRecords& records, SocketProtocol protocol);
// The same rows as JSON text, what rows_json(socket_rows(...)) writes, without building them.
std::string socket_rows_json(const DiagRecords& records, SocketProtocol protocol);

// How TCP sockets are asked for: both families in one TCPDIAG_GETSOCK dump (one walk of the
// kernel's established hash), falling back to per_family when the kernel refuses it; or one
// SOCK_DIAG_BY_FAMILY dump per family (UDP always is).
enum class TcpRequest { both_families, per_family };

// All TCP (IPv4 then IPv6) or UDP sockets of this network namespace.
// Errc::unsupported when netlink is refused (EPERM, EACCES, EPROTONOSUPPORT, a kernel
// without inet_diag for the protocol...), Errc::io for other failures.
util::Result<Rows> dump_sockets(SocketProtocol protocol, TcpRequest tcp = TcpRequest::both_families);

// The socket tables for each report: netlink, falling back to `<proc_root>/net` per table
// when netlink fails. A refusal is remembered, so later reads go straight to /proc/net. Keeps
// its netlink socket and buffers from one read to the next.
class SocketTableReader {
 public:
  enum class Source { netlink, proc };

  explicit SocketTableReader(std::string proc_root, Source preferred = Source::netlink);
  ~SocketTableReader();
  SocketTableReader(const SocketTableReader&) = delete;
  SocketTableReader& operator=(const SocketTableReader&) = delete;

  SocketTables read();
  // Where the last read's tables came from (tests, benchmarks).
  [[nodiscard]] Source tcp_source() const { return m_tcp; }
  [[nodiscard]] Source udp_source() const { return m_udp; }

 private:
  std::string read_table(SocketProtocol protocol, Source& preferred, Source& used);

  std::string m_proc_root;
  Source m_tcp_preferred;
  Source m_udp_preferred;
  Source m_tcp = Source::proc;
  Source m_udp = Source::proc;
  int m_netlink = -1;
  std::vector<std::uint8_t> m_buffer;
  DiagRecords m_records;
};

}  // namespace chalk::shim
