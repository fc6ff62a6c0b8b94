#include "runtime-shim/proc_net.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "plugin/sinks/json_text.hpp"
#include "runtime-shim/file_text.hpp"

namespace chalk::shim {
namespace {

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool parse_hex_u32(std::string_view hex, std::uint32_t& value) {
  if (hex.empty() || hex.size() > 8) return false;
  const auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
  return error == std::errc() && end == hex.data() + hex.size();
}

std::string groups_from_bytes(const std::array<std::uint8_t, 16>& bytes) {
  char text[40];
  char* out = text;
  for (std::size_t i = 0; i < 16; i += 2) {
    if (i > 0) *out++ = ':';
    std::snprintf(out, 5, "%02x%02x", bytes[i], bytes[i + 1]);
    out += 4;
  }
  return std::string(text, static_cast<std::size_t>(out - text));
}

// "0100007F:270F" -> {"127.0.0.1", "9999"}; empty address on malformed input.
std::pair<std::string, std::string> endpoint(std::string_view field) {
  const std::size_t colon = field.find(':');
  if (colon == std::string_view::npos) return {};
  const std::string_view address = field.substr(0, colon);
  std::uint32_t port = 0;
  if (!parse_hex_u32(field.substr(colon + 1), port)) return {};
  std::string ip = address.size() == 8 ? ipv4_from_proc_hex(address) : ipv6_from_proc_words(address);
  if (ip.empty()) return {};
  return {std::move(ip), std::to_string(port)};
}

// Shared by tcp and udp: only the state column differs.
template <typename StateName>
Rows parse_sockets(std::string_view text, StateName state_name) {
  Rows rows;
  const auto lines = split_lines(text);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto fields = split_fields(lines[i]);
    if (fields.size() < 10) continue;
    auto [local_ip, local_port] = endpoint(fields[1]);
    auto [remote_ip, remote_port] = endpoint(fields[2]);
    if (local_ip.empty() || remote_ip.empty()) continue;
    rows.push_back({std::move(local_ip), std::move(local_port), std::move(remote_ip), std::move(remote_port),
                    state_name(fields[3]), std::string(fields[7]), std::string(fields[9])});
  }
  return rows;
}

// Row tables go into the report as raw JSON text (rows_json); an empty table leaves its key out.
void put_rows_json(nlohmann::json& tables, const char* key, const std::string& rows_text) {
  if (rows_text.size() > 2) tables[key] = sinks::raw_json(rows_text);
}

}  // namespace

std::string rows_json(const Rows& rows) {
  std::string text = "[";
  for (const Row& row : rows) {
    if (text.size() > 1) text += ',';
    sinks::append_json_row(text, row);
  }
  text += ']';
  return text;
}

std::string ipv4_from_proc_hex(std::string_view hex) {
  std::uint32_t value = 0;
  if (hex.size() != 8 || !parse_hex_u32(hex, value)) return {};
  // The kernel prints the address's in-memory u32 in host order: its bytes are the address.
  std::array<std::uint8_t, 4> bytes{};
  std::memcpy(bytes.data(), &value, bytes.size());
  char text[16];
  std::snprintf(text, sizeof text, "%u.%u.%u.%u", bytes[0], bytes[1], bytes[2], bytes[3]);
  return text;
}

std::string ipv6_from_proc_words(std::string_view hex) {
  if (hex.size() != 32) return {};
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t word = 0; word < 4; ++word) {
    std::uint32_t value = 0;
    if (!parse_hex_u32(hex.substr(word * 8, 8), value)) return {};
    std::memcpy(bytes.data() + word * 4, &value, 4);
  }
  return groups_from_bytes(bytes);
}

std::string ipv6_from_network_hex(std::string_view hex) {
  if (hex.size() != 32) return {};
  std::string text;
  text.reserve(39);
  for (std::size_t i = 0; i < 32; ++i) {
    const char c = hex[i];
    const bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!digit) return {};
    if (i > 0 && i % 4 == 0) text.push_back(':');
    text.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return text;
}

std::string_view tcp_state_name(std::uint32_t code) {
  static constexpr std::array<const char*, 13> k_names{
      "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECEIVED", "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",
      "CLOSE",   "CLOSE_WAIT",  "LAST_ACK", "LISTEN",       "CLOSING",   "NEW_SYN_RECV"};
  return code < k_names.size() ? k_names[code] : "UNKNOWN";
}

std::string_view tcp_state_name(std::string_view hex) {
  std::uint32_t code = 0;
  if (hex.size() != 2 || !parse_hex_u32(hex, code)) return "UNKNOWN";
  return tcp_state_name(code);
}

Rows parse_tcp(std::string_view text) {
  return parse_sockets(text, [](std::string_view hex) { return std::string(tcp_state_name(hex)); });
}

Rows parse_udp(std::string_view text) {
  return parse_sockets(text, [](std::string_view) { return std::string("UNCONN"); });
}

Rows parse_ipv4_routes(std::string_view text) {
  Rows rows;
  const auto lines = split_lines(text);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = split_fields(lines[i]);
    if (f.size() < 11) continue;
    std::string dest = ipv4_from_proc_hex(f[1]);
    std::string gateway = ipv4_from_proc_hex(f[2]);
    std::string mask = ipv4_from_proc_hex(f[7]);
    if (dest.empty() || gateway.empty() || mask.empty()) continue;
    rows.push_back({std::move(dest), std::move(gateway), std::move(mask), std::string(f[0]),
                    std::string(f[3]), std::string(f[4]), std::string(f[5]), std::string(f[6]),
                    std::string(f[8]), std::string(f[9]), std::string(f[10])});
  }
  return rows;
}

Rows parse_ipv6_routes(std::string_view text) {
  Rows rows;
  for (const auto line : split_lines(text)) {
    const auto f = split_fields(line);
    if (f.size() < 10) continue;
    std::string dest = ipv6_from_network_hex(f[0]);
    std::string src = ipv6_from_network_hex(f[2]);
    std::string next_hop = ipv6_from_network_hex(f[4]);
    if (dest.empty() || src.empty() || next_hop.empty()) continue;
    rows.push_back({std::move(dest), std::string(f[1]), std::move(src), std::string(f[3]),
                    std::move(next_hop), std::string(f[9]), std::string(f[8]), std::string(f[6]),
                    std::string(f[7]), std::string(f[5])});
  }
  return rows;
}

Rows parse_arp(std::string_view text) {
  Rows rows;
  const auto lines = split_lines(text);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = split_fields(lines[i]);
    if (f.size() < 6) continue;
    rows.push_back({std::string(f[0]), std::string(f[1]), std::string(f[2]), std::string(f[3]),
                    std::string(f[4]), std::string(f[5])});
  }
  return rows;
}

InterfaceCounters parse_dev(std::string_view text) {
  InterfaceCounters interfaces;
  const auto lines = split_lines(text);
  for (std::size_t i = 2; i < lines.size(); ++i) {
    // Large counters touch the colon ("eth0:111184150"), so split there, not on blanks.
    const std::string_view line = lines[i];
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const auto name = split_fields(line.substr(0, colon));
    const auto counters = split_fields(line.substr(colon + 1));
    if (name.size() != 1 || counters.size() < 16) continue;
    Row rx(counters.begin(), counters.begin() + 8);
    Row tx(counters.begin() + 8, counters.begin() + 16);
    interfaces[std::string(name[0])] = {std::move(rx), std::move(tx)};
  }
  return interfaces;
}

std::map<std::string, Row> parse_if_inet6(std::string_view text) {
  std::map<std::string, Row> interfaces;
  for (const auto line : split_lines(text)) {
    const auto f = split_fields(line);
    if (f.size() < 6) continue;
    std::string ip = ipv6_from_network_hex(f[0]);
    if (ip.empty()) continue;
    interfaces.try_emplace(std::string(f[5]), Row{std::move(ip), std::string(f[1]), std::string(f[2]),
                                                  std::string(f[3]), std::string(f[4])});
  }
  return interfaces;
}

namespace {

std::string net_file_text(const std::string& proc_root, const char* name) {
  auto text = read_text_file(proc_root + "/net/" + name);
  return text ? std::move(text.value()) : std::string();
}

}  // namespace

namespace {

Rows read_proc_sockets(const std::string& proc_root, const std::string& file,
                       Rows (*parse)(std::string_view)) {
  Rows rows = parse(net_file_text(proc_root, file.c_str()));
  for (auto& row : parse(net_file_text(proc_root, (file + "6").c_str()))) rows.push_back(std::move(row));
  return rows;
}

}  // namespace

Rows read_proc_tcp(const std::string& proc_root) { return read_proc_sockets(proc_root, "tcp", parse_tcp); }
Rows read_proc_udp(const std::string& proc_root) { return read_proc_sockets(proc_root, "udp", parse_udp); }

nlohmann::json network_tables(const std::string& proc_root, const SocketTables& sockets) {
  const auto text_of = [&proc_root](const char* name) { return net_file_text(proc_root, name); };
  nlohmann::json tables = nlohmann::json::object();
  put_rows_json(tables, "_OP_TCP_SOCKET_INFO", sockets.tcp);
  put_rows_json(tables, "_OP_UDP_SOCKET_INFO", sockets.udp);
  put_rows_json(tables, "_OP_IPV4_ROUTES", rows_json(parse_ipv4_routes(text_of("route"))));
  put_rows_json(tables, "_OP_IPV6_ROUTES", rows_json(parse_ipv6_routes(text_of("ipv6_route"))));
  put_rows_json(tables, "_OP_ARP_TABLE", rows_json(parse_arp(text_of("arp"))));

  const auto dev = parse_dev(text_of("dev"));
  if (!dev.empty()) tables["_OP_IPV4_INTERFACES"] = dev;
  const auto inet6 = parse_if_inet6(text_of("if_inet6"));
  if (!inet6.empty()) tables["_OP_IPV6_INTERFACES"] = inet6;
  return tables;
}

}  // namespace chalk::shim
