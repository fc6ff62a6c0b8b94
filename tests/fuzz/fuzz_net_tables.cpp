// The shim's socket-table parsers: /proc/net text (tcp, udp, routes, arp, dev, if_inet6)
// and netlink inet_diag dumps, on the same arbitrary bytes; and the JSON text their rows are
// written as, which must be what nlohmann prints for the same cells.
#include <cstdlib>
#include <span>

#include "plugin/sinks/json_text.hpp"
#include "runtime-shim/proc_net.hpp"
#include "runtime-shim/sock_diag.hpp"
#include "tests/fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chalk::shim;
  const std::string_view text = chalk::fuzz::text_of(data, size);
  (void)parse_tcp(text);
  (void)parse_udp(text);
  Rows routes = parse_ipv4_routes(text);
  (void)parse_ipv6_routes(text);
  Rows arp = parse_arp(text);
  (void)parse_dev(text);
  (void)parse_if_inet6(text);

  // Route and ARP cells carry the file's bytes (interface names): any row table does here.
  const nlohmann::json tables =
      network_tables("/nonexistent-proc-root", SocketTables{rows_json(routes), rows_json(arp)});
  const std::string written = chalk::sinks::json_text(tables);
  const nlohmann::json parsed = nlohmann::json::parse(written, nullptr, false);
  if (parsed.is_discarded() ||
      written != parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) {
    std::abort();
  }

  const std::span<const std::uint8_t> buffer(data, size);
  DiagRecords records;
  if (parse_inet_diag_dump(buffer, records)) {
    for (const SocketProtocol protocol : {SocketProtocol::tcp, SocketProtocol::udp}) {
      if (socket_rows_json(records, protocol) != rows_json(socket_rows(records, protocol))) std::abort();
    }
  }
  return 0;
}
