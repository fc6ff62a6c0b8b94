// The inet_diag dump parser on canned netlink messages, laid out as the kernel sends them.
#include "runtime-shim/sock_diag.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace chalk::shim {
namespace {

using Bytes = std::vector<std::uint8_t>;

void append_message(Bytes& buffer, std::uint16_t type, const void* payload, std::size_t size) {
  nlmsghdr header{};
  header.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(size));
  header.nlmsg_type = type;
  header.nlmsg_flags = NLM_F_MULTI;
  const std::size_t start = buffer.size();
  buffer.resize(start + NLMSG_SPACE(size));
  std::memcpy(buffer.data() + start, &header, sizeof header);
  std::memcpy(buffer.data() + start + NLMSG_HDRLEN, payload, size);
}

// A socket record with an attribute after it, as the kernel appends (INET_DIAG_SHUTDOWN).
void append_socket(Bytes& buffer, const inet_diag_msg& socket, std::uint16_t type = SOCK_DIAG_BY_FAMILY) {
  Bytes payload(sizeof socket + NLA_HDRLEN + NLA_ALIGN(1));
  std::memcpy(payload.data(), &socket, sizeof socket);
  nlattr shutdown{static_cast<std::uint16_t>(NLA_HDRLEN + 1), INET_DIAG_SHUTDOWN};
  std::memcpy(payload.data() + sizeof socket, &shutdown, sizeof shutdown);
  append_message(buffer, type, payload.data(), payload.size());
}

void append_done(Bytes& buffer) {
  const int zero = 0;
  append_message(buffer, NLMSG_DONE, &zero, sizeof zero);
}

void append_error(Bytes& buffer, int error) {
  nlmsgerr message{};
  message.error = -error;
  append_message(buffer, NLMSG_ERROR, &message, sizeof message);
}

inet_diag_msg ipv4_socket(const char* local, std::uint16_t local_port, const char* remote,
                          std::uint16_t remote_port, std::uint8_t state, std::uint32_t uid,
                          std::uint32_t inode) {
  inet_diag_msg socket{};
  socket.idiag_family = AF_INET;
  socket.idiag_state = state;
  socket.id.idiag_sport = htons(local_port);
  socket.id.idiag_dport = htons(remote_port);
  ::inet_pton(AF_INET, local, socket.id.idiag_src);
  ::inet_pton(AF_INET, remote, socket.id.idiag_dst);
  socket.idiag_uid = uid;
  socket.idiag_inode = inode;
  return socket;
}

inet_diag_msg ipv6_socket(const char* local, std::uint16_t local_port, const char* remote,
                          std::uint16_t remote_port, std::uint8_t state, std::uint32_t uid,
                          std::uint32_t inode) {
  inet_diag_msg socket{};
  socket.idiag_family = AF_INET6;
  socket.idiag_state = state;
  socket.id.idiag_sport = htons(local_port);
  socket.id.idiag_dport = htons(remote_port);
  ::inet_pton(AF_INET6, local, socket.id.idiag_src);
  ::inet_pton(AF_INET6, remote, socket.id.idiag_dst);
  socket.idiag_uid = uid;
  socket.idiag_inode = inode;
  return socket;
}

constexpr std::uint8_t k_established = 1;
constexpr std::uint8_t k_syn_recv = 3;
constexpr std::uint8_t k_close = 7;
constexpr std::uint8_t k_listen = 10;

TEST(SockDiag, TcpRowsHaveTheProcNetCells) {
  Bytes buffer;
  append_socket(buffer, ipv4_socket("0.0.0.0", 9999, "0.0.0.0", 0, k_listen, 0, 27973));
  append_socket(buffer, ipv4_socket("127.0.0.1", 9999, "127.0.0.1", 50000, k_established, 1000, 31411));
  append_socket(buffer, ipv6_socket("::ffff:127.0.0.1", 8080, "::", 0, k_listen, 65534, 5));
  append_socket(buffer, ipv6_socket("fe80::42:acff:fe11:2", 22, "::1", 40000, 13, 0, 6));
  append_done(buffer);
  DiagRecords records;
  const auto done = parse_inet_diag_dump(buffer, records);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(*done);
  const Rows rows = socket_rows(records, SocketProtocol::tcp);
  const Rows expected = {
      {"0.0.0.0", "9999", "0.0.0.0", "0", "LISTEN", "0", "27973"},
      {"127.0.0.1", "9999", "127.0.0.1", "50000", "ESTABLISHED", "1000", "31411"},
      {"0000:0000:0000:0000:0000:ffff:7f00:0001", "8080", "0000:0000:0000:0000:0000:0000:0000:0000", "0",
       "LISTEN", "65534", "5"},
      {"fe80:0000:0000:0000:0042:acff:fe11:0002", "22", "0000:0000:0000:0000:0000:0000:0000:0001", "40000",
       "UNKNOWN", "0", "6"},
  };
  EXPECT_EQ(rows, expected);
}

// Cells are formatted by hand: the widest and narrowest values read as /proc/net prints them.
TEST(SockDiag, ExtremeValuesHaveTheProcNetCells) {
  Bytes buffer;
  append_socket(buffer,
                ipv4_socket("255.255.255.255", 65535, "0.0.0.0", 0, k_established, 4294967295U, 4294967295U));
  append_socket(buffer, ipv4_socket("10.9.100.99", 1, "1.20.255.0", 10, k_established, 0, 0));
  append_socket(buffer, ipv6_socket("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 80, "::", 0, k_listen, 1, 2));
  append_done(buffer);
  DiagRecords records;
  ASSERT_TRUE(parse_inet_diag_dump(buffer, records).ok());
  const Rows rows = socket_rows(records, SocketProtocol::tcp);
  const Rows expected = {
      {"255.255.255.255", "65535", "0.0.0.0", "0", "ESTABLISHED", "4294967295", "4294967295"},
      {"10.9.100.99", "1", "1.20.255.0", "10", "ESTABLISHED", "0", "0"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "80", "0000:0000:0000:0000:0000:0000:0000:0000", "0",
       "LISTEN", "1", "2"},
  };
  EXPECT_EQ(rows, expected);
}

// The both-families answer interleaves the families; /proc/net lists tcp before tcp6.
TEST(SockDiag, AnswersToTheBothFamiliesRequestAreRowsIpv4First) {
  Bytes buffer;
  append_socket(buffer, ipv6_socket("::", 22, "::", 0, k_listen, 0, 9), TCPDIAG_GETSOCK);
  append_socket(buffer, ipv4_socket("0.0.0.0", 22, "0.0.0.0", 0, k_listen, 0, 8), TCPDIAG_GETSOCK);
  append_socket(buffer, ipv6_socket("::1", 23, "::", 0, k_listen, 0, 11), TCPDIAG_GETSOCK);
  append_socket(buffer, ipv4_socket("127.0.0.1", 23, "0.0.0.0", 0, k_listen, 0, 10), TCPDIAG_GETSOCK);
  append_done(buffer);
  DiagRecords records;
  ASSERT_TRUE(parse_inet_diag_dump(buffer, records).ok());
  ASSERT_EQ(records.size(), 4U);
  const Rows rows = socket_rows(records, SocketProtocol::tcp);
  ASSERT_EQ(rows.size(), 4U);
  EXPECT_EQ(rows[0][6], "8");
  EXPECT_EQ(rows[1][6], "10");
  EXPECT_EQ(rows[2][6], "9");
  EXPECT_EQ(rows[3][6], "11");
}

TEST(SockDiag, UdpRowsAreAlwaysUnconn) {
  Bytes buffer;
  append_socket(buffer, ipv4_socket("127.0.0.53", 53, "0.0.0.0", 0, k_close, 101, 100));
  append_socket(buffer, ipv4_socket("10.0.0.2", 40001, "10.0.0.1", 53, k_established, 0, 101));
  append_done(buffer);
  DiagRecords records;
  ASSERT_TRUE(parse_inet_diag_dump(buffer, records).ok());
  const Rows rows = socket_rows(records, SocketProtocol::udp);
  const Rows expected = {
      {"127.0.0.53", "53", "0.0.0.0", "0", "UNCONN", "101", "100"},
      {"10.0.0.2", "40001", "10.0.0.1", "53", "UNCONN", "0", "101"},
  };
  EXPECT_EQ(rows, expected);
}

TEST(SockDiag, ABufferWithoutDoneAsksForMore) {
  Bytes first;
  append_socket(first, ipv4_socket("127.0.0.1", 1, "0.0.0.0", 0, k_listen, 0, 1));
  Bytes second;
  append_socket(second, ipv4_socket("127.0.0.1", 2, "0.0.0.0", 0, k_listen, 0, 2));
  append_done(second);
  DiagRecords records;
  const auto more = parse_inet_diag_dump(first, records);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  const auto done = parse_inet_diag_dump(second, records);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  const Rows rows = socket_rows(records, SocketProtocol::tcp);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1][1], "2");
}

TEST(SockDiag, RefusalsAreUnsupportedOtherErrorsAreIo) {
  // EINVAL, EOPNOTSUPP: a kernel without the old both-families request (TCP asks per family then).
  for (const int refusal : {EPERM, EACCES, ENOENT, EPROTONOSUPPORT, EAFNOSUPPORT, EINVAL, EOPNOTSUPP}) {
    Bytes buffer;
    append_error(buffer, refusal);
    DiagRecords records;
    const auto outcome = parse_inet_diag_dump(buffer, records);
    ASSERT_FALSE(outcome.ok()) << refusal;
    EXPECT_EQ(outcome.error().code, util::Errc::unsupported) << refusal;
    EXPECT_NE(outcome.error().message.find(std::strerror(refusal)), std::string::npos)
        << outcome.error().message;
  }
  Bytes buffer;
  append_error(buffer, ENOBUFS);
  DiagRecords records;
  const auto outcome = parse_inet_diag_dump(buffer, records);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, util::Errc::io);
}

TEST(SockDiag, MalformedMessagesAreRejected) {
  DiagRecords records;
  Bytes long_header;
  append_socket(long_header, ipv4_socket("127.0.0.1", 1, "0.0.0.0", 0, k_listen, 0, 1));
  long_header.resize(long_header.size() - 8);  // the header claims more than arrived
  EXPECT_EQ(parse_inet_diag_dump(long_header, records).error().code, util::Errc::invalid_format);

  Bytes short_record;
  const std::uint8_t half[sizeof(inet_diag_msg) / 2] = {};
  append_message(short_record, SOCK_DIAG_BY_FAMILY, half, sizeof half);
  EXPECT_EQ(parse_inet_diag_dump(short_record, records).error().code, util::Errc::invalid_format);

  Bytes unix_family;
  inet_diag_msg socket = ipv4_socket("127.0.0.1", 1, "0.0.0.0", 0, k_listen, 0, 1);
  socket.idiag_family = AF_UNIX;
  append_socket(unix_family, socket);
  EXPECT_EQ(parse_inet_diag_dump(unix_family, records).error().code, util::Errc::invalid_format);
  EXPECT_TRUE(records.empty());
}

TEST(SockDiag, RequestSocketsTakeTheirListenersUid) {
  // The kernel's walk may list a request socket before its listener.
  const DiagRecords records = {
      ipv4_socket("172.17.0.2", 80, "172.17.0.10", 54321, k_syn_recv, 0, 0),
      ipv4_socket("0.0.0.0", 80, "0.0.0.0", 0, k_listen, 33, 10),
      ipv4_socket("127.0.0.1", 8080, "0.0.0.0", 0, k_listen, 1000, 11),
      ipv4_socket("0.0.0.0", 8080, "0.0.0.0", 0, k_listen, 2000, 12),
      ipv4_socket("127.0.0.1", 8080, "127.0.0.1", 54322, k_syn_recv, 0, 0),
      ipv4_socket("172.17.0.2", 8080, "172.17.0.10", 54323, k_syn_recv, 0, 0),
      ipv4_socket("172.17.0.2", 9090, "172.17.0.10", 54324, k_syn_recv, 0, 0),  // no listener
      ipv4_socket("172.17.0.2", 80, "172.17.0.10", 54325, k_syn_recv, 0, 77),   // a full socket
      ipv6_socket("::", 443, "::", 0, k_listen, 44, 13),                        // a wildcard in IPv6
      ipv4_socket("172.17.0.2", 443, "172.17.0.10", 54326, k_syn_recv, 0, 0),
  };
  const Rows rows = socket_rows(records, SocketProtocol::tcp);
  ASSERT_EQ(rows.size(), records.size());
  EXPECT_EQ(rows[0][5], "33");
  EXPECT_EQ(rows[4][5], "1000");
  EXPECT_EQ(rows[5][5], "2000");
  EXPECT_EQ(rows[6][5], "0");
  EXPECT_EQ(rows[7][5], "0");
  EXPECT_EQ(rows[8][5], "44");
  EXPECT_EQ(rows[9][4], "LISTEN");  // IPv6 last
  // UDP has no request sockets: state 3 means nothing there.
  EXPECT_EQ(socket_rows(records, SocketProtocol::udp)[0][5], "0");
}

TEST(SockDiag, JsonTextIsWhatTheRowsWrite) {
  const DiagRecords records = {
      ipv6_socket("fe80::42:acff:fe11:2", 22, "::1", 40000, 13, 0, 6),
      ipv4_socket("255.255.255.255", 65535, "0.0.0.0", 0, k_established, 4294967295U, 4294967295U),
      ipv4_socket("172.17.0.2", 80, "172.17.0.10", 54321, k_syn_recv, 0, 0),
      ipv4_socket("0.0.0.0", 80, "0.0.0.0", 0, k_listen, 33, 10),
  };
  for (const SocketProtocol protocol : {SocketProtocol::tcp, SocketProtocol::udp}) {
    EXPECT_EQ(socket_rows_json(records, protocol), rows_json(socket_rows(records, protocol)));
  }
  EXPECT_EQ(socket_rows_json({}, SocketProtocol::tcp), "[]");
  EXPECT_EQ(rows_json({}), "[]");
}

TEST(SockDiag, ProcPreferredReadsProcNetOnly) {
  SocketTableReader reader(CHALK_SHIM_FIXTURES "/proc", SocketTableReader::Source::proc);
  const SocketTables tables = reader.read();
  EXPECT_EQ(reader.tcp_source(), SocketTableReader::Source::proc);
  EXPECT_EQ(reader.udp_source(), SocketTableReader::Source::proc);
  const auto tcp = nlohmann::json::parse(tables.tcp).get<Rows>();
  ASSERT_EQ(tcp.size(), 13U + 4U);  // the fixtures' tcp then tcp6
  EXPECT_EQ(tcp[0], (Row{"0.0.0.0", "9999", "0.0.0.0", "0", "LISTEN", "0", "27973"}));
  EXPECT_EQ(nlohmann::json::parse(tables.udp).size(), 3U + 1U);
}

}  // namespace
}  // namespace chalk::shim
