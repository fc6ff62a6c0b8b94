// /proc/net parsers on fixture files copied from real kernels (fixtures/proc/net, see README).
#include "runtime-shim/proc_net.hpp"

#include <gtest/gtest.h>

#include <bit>

#include "plugin/sinks/json_text.hpp"
#include "runtime-shim/file_text.hpp"
#include "tests/unit/shim/fixtures.hpp"

namespace chalk::shim {
namespace {

std::string fixture(const std::string& name) {
  auto text = read_text_file(k_fixture_proc + "/net/" + name);
  EXPECT_TRUE(text.ok()) << name;
  return text ? *text : std::string();
}

const std::string k_zero6 = "0000:0000:0000:0000:0000:0000:0000:0000";

class ProcNet : public ::testing::Test {
 protected:
  void SetUp() override {
    // The kernel prints addresses as host-order words; the fixtures come from x86-64.
    if constexpr (std::endian::native != std::endian::little) GTEST_SKIP() << "fixtures are little-endian";
  }
};

TEST_F(ProcNet, Ipv4AddressesAreHostOrderWords) {
  EXPECT_EQ(ipv4_from_proc_hex("0100007F"), "127.0.0.1");
  EXPECT_EQ(ipv4_from_proc_hex("010011AC"), "172.17.0.1");
  EXPECT_EQ(ipv4_from_proc_hex("00000000"), "0.0.0.0");
  EXPECT_EQ(ipv4_from_proc_hex("0000FFFF"), "255.255.0.0");
  EXPECT_EQ(ipv4_from_proc_hex("0100007"), "");
  EXPECT_EQ(ipv4_from_proc_hex("0100007G"), "");
}

TEST_F(ProcNet, Ipv6AddressesAreFourHostOrderWords) {
  EXPECT_EQ(ipv6_from_proc_words("00000000000000000000000001000000"),
            "0000:0000:0000:0000:0000:0000:0000:0001");
  EXPECT_EQ(ipv6_from_proc_words("0000000000000000FFFF00000100007F"),
            "0000:0000:0000:0000:0000:ffff:7f00:0001");
  EXPECT_EQ(ipv6_from_proc_words("000080FE00000000FFAC4200020011FE"),
            "fe80:0000:0000:0000:0042:acff:fe11:0002");
  EXPECT_EQ(ipv6_from_proc_words("0000"), "");
}

TEST_F(ProcNet, NetworkOrderIpv6IsGroupedAndLowercased) {
  EXPECT_EQ(ipv6_from_network_hex("FD000000000000000000000000000001"),
            "fd00:0000:0000:0000:0000:0000:0000:0001");
  EXPECT_EQ(ipv6_from_network_hex("fd00000000000000000000000000000x"), "");
}

TEST_F(ProcNet, TcpStateNames) {
  const char* names[] = {"UNKNOWN",   "ESTABLISHED", "SYN_SENT",    "SYN_RECEIVED", "FIN_WAIT1",
                         "FIN_WAIT2", "TIME_WAIT",   "CLOSE",       "CLOSE_WAIT",   "LAST_ACK",
                         "LISTEN",    "CLOSING",     "NEW_SYN_RECV"};
  const char* codes[] = {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "0A", "0B", "0C"};
  for (int i = 0; i < 13; ++i) EXPECT_EQ(tcp_state_name(codes[i]), names[i]) << codes[i];
  EXPECT_EQ(tcp_state_name("0D"), "UNKNOWN");
  EXPECT_EQ(tcp_state_name("zz"), "UNKNOWN");
}

TEST_F(ProcNet, TcpRowsInEveryStateInFileOrder) {
  const Rows rows = parse_tcp(fixture("tcp"));
  const Rows expected = {
      {"0.0.0.0", "9999", "0.0.0.0", "0", "LISTEN", "0", "27973"},
      {"127.0.0.1", "9999", "127.0.0.1", "50000", "ESTABLISHED", "1000", "31411"},
      {"172.17.0.2", "50000", "34.216.184.93", "443", "SYN_SENT", "0", "31500"},
      {"172.17.0.2", "80", "172.17.0.10", "54321", "SYN_RECEIVED", "0", "0"},
      {"172.17.0.2", "50002", "34.216.184.93", "443", "FIN_WAIT1", "0", "0"},
      {"172.17.0.2", "50004", "34.216.184.93", "443", "FIN_WAIT2", "0", "0"},
      {"172.17.0.2", "50006", "34.216.184.93", "443", "TIME_WAIT", "0", "0"},
      {"172.17.0.2", "50008", "34.216.184.93", "443", "CLOSE", "0", "0"},
      {"127.0.0.1", "9999", "127.0.0.1", "50010", "CLOSE_WAIT", "1000", "31620"},
      {"172.17.0.2", "50012", "34.216.184.93", "443", "LAST_ACK", "0", "31621"},
      {"172.17.0.2", "50014", "34.216.184.93", "443", "CLOSING", "0", "31622"},
      {"172.17.0.2", "80", "172.17.0.11", "54323", "NEW_SYN_RECV", "0", "0"},
      {"172.17.0.2", "81", "172.17.0.11", "54325", "UNKNOWN", "0", "0"},
  };
  EXPECT_EQ(rows, expected);
}

TEST_F(ProcNet, Tcp6RowsKeepMappedAddressesIpv6) {
  const Rows rows = parse_tcp(fixture("tcp6"));
  const Rows expected = {
      {k_zero6, "8080", k_zero6, "0", "LISTEN", "1000", "40001"},
      {"0000:0000:0000:0000:0000:0000:0000:0001", "22", "0000:0000:0000:0000:0000:0000:0000:0001", "58530",
       "ESTABLISHED", "0", "40002"},
      {"0000:0000:0000:0000:0000:ffff:7f00:0001", "8080", "0000:0000:0000:0000:0000:ffff:7f00:0001", "46310",
       "ESTABLISHED", "1000", "40003"},
      {"fe80:0000:0000:0000:0042:acff:fe11:0002", "8080", "fe80:0000:0000:0000:0000:0000:0000:0001", "49152",
       "TIME_WAIT", "0", "0"},
  };
  EXPECT_EQ(rows, expected);
}

TEST_F(ProcNet, UdpRowsAreAlwaysUnconn) {
  const Rows expected = {
      {"0.0.0.0", "68", "0.0.0.0", "0", "UNCONN", "0", "18652"},
      {"127.0.0.53", "53", "0.0.0.0", "0", "UNCONN", "101", "17904"},
      {"172.17.0.2", "36657", "10.8.0.8", "53", "UNCONN", "1000", "52011"},
  };
  EXPECT_EQ(parse_udp(fixture("udp")), expected);
  const Rows expected6 = {{k_zero6, "5353", k_zero6, "0", "UNCONN", "107", "19231"}};
  EXPECT_EQ(parse_udp(fixture("udp6")), expected6);
}

TEST_F(ProcNet, MalformedSocketLinesAreSkipped) {
  const std::string text =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
      "   0: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n"
      "   1: 0100007F:XYZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 2 1\n"
      "   2: truncated\n"
      "\n"
      "   3: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 3 1\n";
  const Rows expected = {{"127.0.0.1", "22", "0.0.0.0", "0", "LISTEN", "0", "3"}};
  EXPECT_EQ(parse_tcp(text), expected);
  EXPECT_TRUE(parse_tcp("").empty());
}

TEST_F(ProcNet, Ipv4RoutesAsTheGuideShows) {
  const Rows expected = {
      {"0.0.0.0", "172.17.0.1", "0.0.0.0", "eth0", "0003", "0", "0", "0", "0", "0", "0"},
      {"172.17.0.0", "0.0.0.0", "255.255.0.0", "eth0", "0001", "0", "0", "0", "0", "0", "0"},
      {"192.168.0.0", "0.0.0.0", "255.255.255.0", "eth1", "0001", "0", "0", "100", "1500", "0", "0"},
  };
  EXPECT_EQ(parse_ipv4_routes(fixture("route")), expected);
}

TEST_F(ProcNet, Ipv6RoutesReordered) {
  const Rows rows = parse_ipv6_routes(fixture("ipv6_route"));
  const Rows expected = {
      {"0000:0000:0000:0000:0000:0000:0000:0001", "80", k_zero6, "00", k_zero6, "lo", "80200001", "00000002",
       "00000000", "00000000"},
      {"fd00:0000:0000:0000:0000:0000:0000:0000", "40", k_zero6, "00", k_zero6, "eth0", "00000001",
       "00000001", "00000000", "00000100"},
      {k_zero6, "00", k_zero6, "00", "fd00:0000:0000:0000:0000:0000:0000:0001", "eth0", "00000003",
       "00000002", "0000001a", "00000400"},
      // The guide's row.
      {k_zero6, "00", k_zero6, "00", k_zero6, "lo", "00200200", "00000001", "00000000", "ffffffff"},
  };
  EXPECT_EQ(rows, expected);
}

TEST_F(ProcNet, ArpTable) {
  const Rows expected = {
      {"172.17.0.1", "0x1", "0x2", "02:42:5c:1e:9a:01", "*", "eth0"},
      {"172.17.0.9", "0x1", "0x0", "00:00:00:00:00:00", "*", "eth0"},
  };
  EXPECT_EQ(parse_arp(fixture("arp")), expected);
}

TEST_F(ProcNet, DevCountersEvenWhenTheyTouchTheColon) {
  const InterfaceCounters interfaces = parse_dev(fixture("dev"));
  ASSERT_EQ(interfaces.size(), 2U);
  const std::vector<Row> lo = {{"3267", "29", "0", "0", "0", "0", "0", "0"},
                               {"3267", "29", "0", "0", "0", "0", "0", "0"}};
  EXPECT_EQ(interfaces.at("lo"), lo);
  const std::vector<Row> eth0 = {{"111184150", "2280", "0", "3", "0", "0", "0", "12"},
                                 {"89764", "1196", "0", "0", "0", "0", "0", "0"}};
  EXPECT_EQ(interfaces.at("eth0"), eth0);
}

TEST_F(ProcNet, IfInet6KeepsEachInterfacesFirstAddress) {
  const auto interfaces = parse_if_inet6(fixture("if_inet6"));
  ASSERT_EQ(interfaces.size(), 2U);
  EXPECT_EQ(interfaces.at("lo"), (Row{"0000:0000:0000:0000:0000:0000:0000:0001", "01", "80", "10", "80"}));
  EXPECT_EQ(interfaces.at("eth0"), (Row{"fe80:0000:0000:0000:0042:00ff:feac:1102", "2e", "40", "20", "80"}));
}

TEST_F(ProcNet, TablesAreStringCellsTcpThenTcp6) {
  const nlohmann::json raw_tables = network_tables(
      k_fixture_proc,
      SocketTables{rows_json(read_proc_tcp(k_fixture_proc)), rows_json(read_proc_udp(k_fixture_proc))});
  // The row tables travel as raw JSON text; the report's text is what their values would print.
  for (const char* key : {"_OP_TCP_SOCKET_INFO", "_OP_UDP_SOCKET_INFO", "_OP_IPV4_ROUTES", "_OP_IPV6_ROUTES",
                          "_OP_ARP_TABLE"}) {
    EXPECT_TRUE(chalk::sinks::is_raw_json(raw_tables[key])) << key;
  }
  const nlohmann::json tables = chalk::sinks::parsed_raw_json(raw_tables);
  EXPECT_EQ(chalk::sinks::json_text(raw_tables), tables.dump());
  for (const char* key : {"_OP_TCP_SOCKET_INFO", "_OP_UDP_SOCKET_INFO", "_OP_IPV4_ROUTES", "_OP_IPV6_ROUTES",
                          "_OP_ARP_TABLE", "_OP_IPV4_INTERFACES", "_OP_IPV6_INTERFACES"}) {
    EXPECT_TRUE(tables.contains(key)) << key;
  }
  ASSERT_EQ(tables["_OP_TCP_SOCKET_INFO"].size(), 13U + 4U);
  EXPECT_EQ(tables["_OP_TCP_SOCKET_INFO"][0],
            nlohmann::json::parse(R"(["0.0.0.0","9999","0.0.0.0","0","LISTEN","0","27973"])"));
  EXPECT_EQ(tables["_OP_TCP_SOCKET_INFO"][13][1], "8080");
  EXPECT_EQ(tables["_OP_UDP_SOCKET_INFO"].size(), 3U + 1U);
  EXPECT_EQ(tables["_OP_IPV4_INTERFACES"]["eth0"][0][0], "111184150");
  EXPECT_EQ(tables["_OP_IPV6_INTERFACES"]["lo"][1], "01");

  // Every cell of every table is a JSON string.
  std::function<void(const nlohmann::json&)> all_strings = [&](const nlohmann::json& value) {
    if (value.is_structured()) {
      for (const auto& item : value) all_strings(item);
    } else {
      EXPECT_TRUE(value.is_string()) << value.dump();
    }
  };
  all_strings(tables);
}

TEST_F(ProcNet, RowTablesEscapeCellsThatNeedIt) {
  const std::string missing = "/nonexistent-proc-root";
  const nlohmann::json tables = network_tables(
      missing, SocketTables{rows_json({{"a\"b", "caf\xc3\xa9", "bad \xff"}, {}}), rows_json({{"1", "2"}})});
  const nlohmann::json parsed = chalk::sinks::parsed_raw_json(tables);
  EXPECT_EQ(chalk::sinks::json_text(tables),
            parsed.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  EXPECT_EQ(parsed["_OP_TCP_SOCKET_INFO"],
            nlohmann::json::parse("[[\"a\\\"b\",\"caf\xc3\xa9\",\"bad \xef\xbf\xbd\"],[]]"));
  EXPECT_EQ(parsed["_OP_UDP_SOCKET_INFO"], nlohmann::json::parse(R"([["1","2"]])"));
}

TEST_F(ProcNet, MissingFilesLeaveKeysOut) {
  const std::string missing = "/nonexistent-proc-root";
  EXPECT_EQ(network_tables(
                missing, SocketTables{rows_json(read_proc_tcp(missing)), rows_json(read_proc_udp(missing))}),
            nlohmann::json::object());
  EXPECT_EQ(network_tables(missing, SocketTables{}), nlohmann::json::object());
}

}  // namespace
}  // namespace chalk::shim
