// The network tables of REPORTS.md §6, parsed from the text of /proc/net/* files.
// Parsers take file contents so tests feed fixtures; readers take an injected /proc root.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace chalk::shim {

using Row = std::vector<std::string>;
using Rows = std::vector<Row>;

// "0100007F" (host-order u32 as the kernel prints it) -> "127.0.0.1"; "" if malformed.
std::string ipv4_from_proc_hex(std::string_view hex);
// 32 hex of four host-order u32 words (tcp6, udp6) -> 8 uncompressed lowercase groups.
std::string ipv6_from_proc_words(std::string_view hex);
// 32 hex in network order (ipv6_route, if_inet6) -> 8 uncompressed lowercase groups.
std::string ipv6_from_network_hex(std::string_view hex);
// "0A" -> "LISTEN"; unknown codes -> "UNKNOWN".
std::string_view tcp_state_name(std::string_view hex);
// The same names by the kernel's state number (10 -> "LISTEN"), as inet_diag reports them.
std::string_view tcp_state_name(std::uint32_t code);

// Socket rows [local ip, local port, remote ip, remote port, state, uid, inode] of a
// tcp/tcp6 (udp: state "UNCONN") file; header and malformed lines skipped.
Rows parse_tcp(std::string_view text);
Rows parse_udp(std::string_view text);
// [dest, gateway, mask, iface, flags, refcnt, use, metric, mtu, window, irtt]
Rows parse_ipv4_routes(std::string_view text);
// [dest, dest_prefix, src, src_prefix, next_hop, iface, flags, refcnt, use, metric]
Rows parse_ipv6_routes(std::string_view text);
// [ip, hw_type, flags, mac, mask, device]
Rows parse_arp(std::string_view text);

// iface -> [[rx 8 counters], [tx 8 counters]]
using InterfaceCounters = std::map<std::string, std::vector<Row>>;
InterfaceCounters parse_dev(std::string_view text);
// iface -> [ip, ifindex, prefix, scope, flags]; an interface's first address in file order.
std::map<std::string, Row> parse_if_inet6(std::string_view text);

// A row table as the report's JSON text, `[["cell",...],...]` ("[]" for none). Written in
// place, not as nlohmann values: a heartbeat with 1,000 sockets has 7,000 cells, which as
// values cost more to build, copy into the report and print than the kernel's dump.
std::string rows_json(const Rows& rows);

// The socket rows of `_OP_TCP_SOCKET_INFO` and `_OP_UDP_SOCKET_INFO` (IPv4 rows before IPv6),
// as JSON text (rows_json); "" or "[]" for none.
struct SocketTables {
  std::string tcp;
  std::string udp;
};
// From `<proc_root>/net/tcp` then `tcp6` (`udp`, `udp6`); a missing file adds no rows.
Rows read_proc_tcp(const std::string& proc_root);
Rows read_proc_udp(const std::string& proc_root);

// The §6 keys: the socket rows given, the rest from `<proc_root>/net/*`; a key is absent when
// its file is missing or has no rows. The row tables are raw JSON values (plugin/sinks/json_text.hpp):
// look inside through sinks::parsed_raw_json.
nlohmann::json network_tables(const std::string& proc_root, const SocketTables& sockets);

}  // namespace chalk::shim
