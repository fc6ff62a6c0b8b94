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
  Rows rows;
  const auto done = parse_inet_diag_dump(buffer, SocketProtocol::tcp, rows);
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(*done);
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
  Rows rows;
  ASSERT_TRUE(parse_inet_diag_dump(buffer, SocketProtocol::tcp, rows).ok());
  const Rows expected = {
      {"255.255.255.255", "65535", "0.0.0.0", "0", "ESTABLISHED", "4294967295", "4294967295"},
      {"10.9.100.99", "1", "1.20.255.0", "10", "ESTABLISHED", "0", "0"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "80", "0000:0000:0000:0000:0000:0000:0000:0000", "0",
       "LISTEN", "1", "2"},
  };
  EXPECT_EQ(rows, expected);
}

TEST(SockDiag, AnswersToTheBothFamiliesRequestAreRowsToo) {
  Bytes buffer;
  append_socket(buffer, ipv6_socket("::", 22, "::", 0, k_listen, 0, 9), TCPDIAG_GETSOCK);
  append_socket(buffer, ipv4_socket("0.0.0.0", 22, "0.0.0.0", 0, k_listen, 0, 8), TCPDIAG_GETSOCK);
  append_done(buffer);
  Rows rows;
  ASSERT_TRUE(parse_inet_diag_dump(buffer, SocketProtocol::tcp, rows).ok());
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[0][6], "9");
  EXPECT_EQ(rows[1][6], "8");
}

TEST(SockDiag, UdpRowsAreAlwaysUnconn) {
  Bytes buffer;
  append_socket(buffer, ipv4_socket("127.0.0.53", 53, "0.0.0.0", 0, k_close, 101, 100));
  append_socket(buffer, ipv4_socket("10.0.0.2", 40001, "10.0.0.1", 53, k_established, 0, 101));
  append_done(buffer);
  Rows rows;
  ASSERT_TRUE(parse_inet_diag_dump(buffer, SocketProtocol::udp, rows).ok());
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
  Rows rows;
  const auto more = parse_inet_diag_dump(first, SocketProtocol::tcp, rows);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  const auto done = parse_inet_diag_dump(second, SocketProtocol::tcp, rows);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(*done);
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1][1], "2");
}

TEST(SockDiag, RefusalsAreUnsupportedOtherErrorsAreIo) {
  // EINVAL, EOPNOTSUPP: a kernel without the old both-families request (TCP asks per family then).
  for (const int refusal : {EPERM, EACCES, ENOENT, EPROTONOSUPPORT, EAFNOSUPPORT, EINVAL, EOPNOTSUPP}) {
    Bytes buffer;
    append_error(buffer, refusal);
    Rows rows;
    const auto outcome = parse_inet_diag_dump(buffer, SocketProtocol::udp, rows);
    ASSERT_FALSE(outcome.ok()) << refusal;
    EXPECT_EQ(outcome.error().code, util::Errc::unsupported) << refusal;
    EXPECT_NE(outcome.error().message.find(std::strerror(refusal)), std::string::npos)
        << outcome.error().message;
  }
  Bytes buffer;
  append_error(buffer, ENOBUFS);
  Rows rows;
  const auto outcome = parse_inet_diag_dump(buffer, SocketProtocol::tcp, rows);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().code, util::Errc::io);
}

TEST(SockDiag, MalformedMessagesAreRejected) {
  Rows rows;
  Bytes long_header;
  append_socket(long_header, ipv4_socket("127.0.0.1", 1, "0.0.0.0", 0, k_listen, 0, 1));
  long_header.resize(long_header.size() - 8);  // the header claims more than arrived
  EXPECT_EQ(parse_inet_diag_dump(long_header, SocketProtocol::tcp, rows).error().code,
            util::Errc::invalid_format);

  Bytes short_record;
  const std::uint8_t half[sizeof(inet_diag_msg) / 2] = {};
  append_message(short_record, SOCK_DIAG_BY_FAMILY, half, sizeof half);
  EXPECT_EQ(parse_inet_diag_dump(short_record, SocketProtocol::tcp, rows).error().code,
            util::Errc::invalid_format);

  Bytes unix_family;
  inet_diag_msg socket = ipv4_socket("127.0.0.1", 1, "0.0.0.0", 0, k_listen, 0, 1);
  socket.idiag_family = AF_UNIX;
  append_socket(unix_family, socket);
  EXPECT_EQ(parse_inet_diag_dump(unix_family, SocketProtocol::tcp, rows).error().code,
            util::Errc::invalid_format);
  EXPECT_TRUE(rows.empty());
}

TEST(SockDiag, RequestSocketsTakeTheirListenersUid) {
  Rows rows = {
      {"0.0.0.0", "80", "0.0.0.0", "0", "LISTEN", "33", "10"},
      {"127.0.0.1", "8080", "0.0.0.0", "0", "LISTEN", "1000", "11"},
      {"0.0.0.0", "8080", "0.0.0.0", "0", "LISTEN", "2000", "12"},
      {"172.17.0.2", "80", "172.17.0.10", "54321", "SYN_RECEIVED", "0", "0"},
      {"127.0.0.1", "8080", "127.0.0.1", "54322", "SYN_RECEIVED", "0", "0"},
      {"172.17.0.2", "8080", "172.17.0.10", "54323", "SYN_RECEIVED", "0", "0"},
      {"172.17.0.2", "9090", "172.17.0.10", "54324", "SYN_RECEIVED", "0", "0"},  // no listener
      {"172.17.0.2", "80", "172.17.0.10", "54325", "SYN_RECEIVED", "0", "77"},   // a full socket
  };
  attribute_request_sockets(rows);
  EXPECT_EQ(rows[3][5], "33");
  EXPECT_EQ(rows[4][5], "1000");
  EXPECT_EQ(rows[5][5], "2000");
  EXPECT_EQ(rows[6][5], "0");
  EXPECT_EQ(rows[7][5], "0");
}

TEST(SockDiag, ProcPreferredReadsProcNetOnly) {
  SocketTableReader reader(CHALK_SHIM_FIXTURES "/proc", SocketTableReader::Source::proc);
  const SocketTables tables = reader.read();
  EXPECT_EQ(reader.tcp_source(), SocketTableReader::Source::proc);
  EXPECT_EQ(reader.udp_source(), SocketTableReader::Source::proc);
  ASSERT_EQ(tables.tcp.size(), 13U + 4U);  // the fixtures' tcp then tcp6
  EXPECT_EQ(tables.tcp[0], (Row{"0.0.0.0", "9999", "0.0.0.0", "0", "LISTEN", "0", "27973"}));
  EXPECT_EQ(tables.udp.size(), 3U + 1U);
}

}  // namespace
}  // namespace chalk::shim
