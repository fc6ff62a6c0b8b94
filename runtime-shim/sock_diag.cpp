#include "runtime-shim/sock_diag.hpp"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

namespace chalk::shim {
namespace {

// The kernel fills at most 32 KiB per dump message batch; a smaller buffer would truncate.
constexpr std::size_t k_receive_buffer = 32768;
constexpr std::size_t k_tcp_state_syn_recv = 3;
constexpr std::size_t k_tcp_state_listen = 10;

// Cells are built in place in their row, digits by hand: std::to_string per byte, string
// appends and moving each cell into the row cost more than the kernel's whole dump.

// Writes the decimal digits of `value` backwards, ending at `end`; returns where they start.
char* decimal_digits(std::uint32_t value, char* end) {
  do {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  return end;
}

void append_decimal(Row& row, std::uint32_t value) {
  std::array<char, 10> digits{};
  char* const end = digits.data() + digits.size();
  row.emplace_back(decimal_digits(value, end), end);
}

void append_address(Row& row, std::uint8_t family, const std::uint32_t (&words)[4]) {
  // The kernel copies the address bytes as they are on the wire (network order).
  std::array<std::uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), words, bytes.size());
  if (family == AF_INET) {
    std::array<char, 15> text{};  // at most "255.255.255.255", written from the end
    char* out = text.data() + text.size();
    for (std::size_t i = 4; i-- > 0;) {
      out = decimal_digits(bytes[i], out);
      if (i > 0) *--out = '.';
    }
    row.emplace_back(out, text.data() + text.size());
    return;
  }
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string& text = row.emplace_back(39, ':');
  char* out = text.data();
  for (std::size_t i = 0; i < 16; ++i) {
    if (i > 0 && i % 2 == 0) ++out;  // the ':' already there
    *out++ = k_hex[bytes[i] >> 4];
    *out++ = k_hex[bytes[i] & 0xf];
  }
}

void append_row(const inet_diag_msg& socket, SocketProtocol protocol, Rows& rows) {
  Row& row = rows.emplace_back();
  row.reserve(7);
  append_address(row, socket.idiag_family, socket.id.idiag_src);
  append_decimal(row, ntohs(socket.id.idiag_sport));
  append_address(row, socket.idiag_family, socket.id.idiag_dst);
  append_decimal(row, ntohs(socket.id.idiag_dport));
  row.push_back(protocol == SocketProtocol::tcp ? tcp_state_name(std::uint32_t{socket.idiag_state})
                                                : std::string("UNCONN"));
  append_decimal(row, socket.idiag_uid);
  append_decimal(row, socket.idiag_inode);
}

bool is_refusal(int error) {
  switch (error) {
    case EPERM:
    case EACCES:
    case EPROTONOSUPPORT:
    case EAFNOSUPPORT:
    case EOPNOTSUPP:
    case ENOENT:  // no inet_diag handler for this protocol (udp_diag not built or loadable)
    case EINVAL:
      return true;
    default:
      return false;
  }
}

util::Error dump_error(const char* doing, int error) {
  return util::make_error(is_refusal(error) ? util::Errc::unsupported : util::Errc::io,
                          std::string(doing) + ": " + std::strerror(error));
}

const char* name_of(SocketProtocol protocol) { return protocol == SocketProtocol::tcp ? "tcp" : "udp"; }

// Closes the netlink socket on every path out of dump_sockets.
class Fd {
 public:
  explicit Fd(int fd) : m_fd(fd) {}
  ~Fd() {
    if (m_fd >= 0) ::close(m_fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return m_fd; }

 private:
  int m_fd;
};

// TCP states 1 (ESTABLISHED) to 12 (NEW_SYN_RECV), those /proc/net/tcp lists. Not bit 13:
// kernels from 6.5 would add bound-only sockets (TCP_BOUND_INACTIVE), walking the bind hash.
constexpr std::uint32_t k_proc_net_states = ((1U << 13) - 1) & ~1U;

util::Status send_request(int fd, const void* message, std::size_t size) {
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  for (;;) {
    if (::sendto(fd, message, size, 0, reinterpret_cast<const sockaddr*>(&kernel), sizeof kernel) >= 0) {
      return util::Status();
    }
    if (errno != EINTR) return dump_error("asking for the socket table", errno);
  }
}

util::Status receive_dump(int fd, SocketProtocol protocol, std::vector<std::uint8_t>& buffer, Rows& rows) {
  for (;;) {
    iovec chunk{buffer.data(), buffer.size()};
    msghdr received{};
    received.msg_iov = &chunk;
    received.msg_iovlen = 1;
    const ssize_t n = ::recvmsg(fd, &received, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return dump_error("reading the socket table", errno);
    }
    if ((received.msg_flags & MSG_TRUNC) != 0) return dump_error("reading the socket table", EMSGSIZE);
    auto done = parse_inet_diag_dump(std::span(buffer.data(), static_cast<std::size_t>(n)), protocol, rows);
    if (!done) return done.error();
    if (*done) return util::Status();
  }
}

// The sockets of one address family (SOCK_DIAG_BY_FAMILY).
util::Status dump_family(int fd, std::uint8_t family, SocketProtocol protocol,
                         std::vector<std::uint8_t>& buffer, Rows& rows) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.sdiag_family = family;
  message.request.sdiag_protocol = protocol == SocketProtocol::tcp ? IPPROTO_TCP : IPPROTO_UDP;
  message.request.idiag_states = protocol == SocketProtocol::tcp ? k_proc_net_states : ~0U;
  if (auto sent = send_request(fd, &message, sizeof message); !sent) return sent;
  return receive_dump(fd, protocol, buffer, rows);
}

// IPv4 and IPv6 TCP sockets in one request: the older TCPDIAG_GETSOCK asks for both families
// at once, so the kernel walks its established hash (which containers share with the host
// unless it sets net.ipv4.tcp_child_ehash_entries) once instead of once per family.
util::Status dump_tcp_both_families(int fd, std::vector<std::uint8_t>& buffer, Rows& rows) {
  struct {
    nlmsghdr header;
    inet_diag_req request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = TCPDIAG_GETSOCK;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.idiag_states = k_proc_net_states;
  if (auto sent = send_request(fd, &message, sizeof message); !sent) return sent;
  if (auto received = receive_dump(fd, SocketProtocol::tcp, buffer, rows); !received) return received;
  // /proc/net lists tcp before tcp6; the walk interleaves them.
  std::stable_partition(rows.begin(), rows.end(),
                        [](const Row& row) { return row[0].find(':') == std::string::npos; });
  return util::Status();
}

}  // namespace

util::Result<bool> parse_inet_diag_dump(std::span<const std::uint8_t> buffer, SocketProtocol protocol,
                                        Rows& rows) {
  while (buffer.size() >= sizeof(nlmsghdr)) {
    nlmsghdr header;
    std::memcpy(&header, buffer.data(), sizeof header);
    if (header.nlmsg_len < sizeof header || header.nlmsg_len > buffer.size()) {
      return util::make_error(util::Errc::invalid_format, "netlink message length out of bounds");
    }
    const std::span<const std::uint8_t> payload =
        buffer.subspan(sizeof header, header.nlmsg_len - sizeof header);
    if (header.nlmsg_type == NLMSG_DONE) return true;
    if (header.nlmsg_type == NLMSG_ERROR) {
      nlmsgerr error{};
      if (payload.size() < sizeof error.error) {
        return util::make_error(util::Errc::invalid_format, "truncated netlink error message");
      }
      std::memcpy(&error.error, payload.data(), sizeof error.error);
      // 0 acknowledges; the kernel never acknowledges a dump request, but an ack ends nothing.
      if (error.error != 0) return dump_error("the kernel refused the socket table", -error.error);
    } else if (header.nlmsg_type == SOCK_DIAG_BY_FAMILY || header.nlmsg_type == TCPDIAG_GETSOCK) {
      inet_diag_msg socket;
      if (payload.size() < sizeof socket) {
        return util::make_error(util::Errc::invalid_format, "truncated inet_diag message");
      }
      std::memcpy(&socket, payload.data(), sizeof socket);
      if (socket.idiag_family != AF_INET && socket.idiag_family != AF_INET6) {
        return util::make_error(util::Errc::invalid_format,
                                "inet_diag message of address family " + std::to_string(socket.idiag_family));
      }
      append_row(socket, protocol, rows);
    }
    const std::size_t step = NLMSG_ALIGN(header.nlmsg_len);
    if (step >= buffer.size()) break;
    buffer = buffer.subspan(step);
  }
  return false;
}

void attribute_request_sockets(Rows& tcp_rows) {
  const auto is_wildcard = [](const std::string& ip) {
    return ip == "0.0.0.0" || ip == "0000:0000:0000:0000:0000:0000:0000:0000";
  };
  const std::string syn_recv = tcp_state_name(std::uint32_t{k_tcp_state_syn_recv});
  const std::string listen = tcp_state_name(std::uint32_t{k_tcp_state_listen});
  for (Row& row : tcp_rows) {
    // A request socket has no inode of its own; a full socket in SYN_RECV (Fast Open) has one.
    if (row[4] != syn_recv || row[6] != "0") continue;
    const Row* owner = nullptr;
    for (const Row& candidate : tcp_rows) {
      if (candidate[4] != listen || candidate[1] != row[1]) continue;
      if (candidate[0] == row[0]) {
        owner = &candidate;
        break;
      }
      if (owner == nullptr && is_wildcard(candidate[0])) owner = &candidate;
    }
    if (owner != nullptr) row[5] = (*owner)[5];
  }
}

util::Result<Rows> dump_sockets(SocketProtocol protocol, TcpRequest tcp) {
  const Fd fd(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  const std::string context = std::string("reading ") + name_of(protocol) + " sockets through netlink";
  if (fd.get() < 0) return dump_error("opening a sock_diag socket", errno).with_context(context);
  std::vector<std::uint8_t> buffer(k_receive_buffer);
  Rows rows;
  if (protocol == SocketProtocol::tcp && tcp == TcpRequest::both_families) {
    auto both = dump_tcp_both_families(fd.get(), buffer, rows);
    if (both) {
      attribute_request_sockets(rows);
      return rows;
    }
    // A kernel that dropped the old request type still answers one family at a time.
    if (both.error().code != util::Errc::unsupported) return both.error().with_context(context);
    rows.clear();
  }
  for (const std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
    if (auto dumped = dump_family(fd.get(), family, protocol, buffer, rows); !dumped) {
      return dumped.error().with_context(context);
    }
  }
  if (protocol == SocketProtocol::tcp) attribute_request_sockets(rows);
  return rows;
}

SocketTableReader::SocketTableReader(std::string proc_root, Source preferred)
    : m_proc_root(std::move(proc_root)), m_tcp_preferred(preferred), m_udp_preferred(preferred) {}

Rows SocketTableReader::read_table(SocketProtocol protocol, Source& preferred, Source& used) {
  if (preferred == Source::netlink) {
    auto rows = dump_sockets(protocol);
    if (rows) {
      used = Source::netlink;
      return std::move(rows.value());
    }
    // A refusal will not change while the container runs; anything else may be transient.
    if (rows.error().code == util::Errc::unsupported) preferred = Source::proc;
  }
  used = Source::proc;
  return protocol == SocketProtocol::tcp ? read_proc_tcp(m_proc_root) : read_proc_udp(m_proc_root);
}

SocketTables SocketTableReader::read() {
  SocketTables tables;
  tables.tcp = read_table(SocketProtocol::tcp, m_tcp_preferred, m_tcp);
  tables.udp = read_table(SocketProtocol::udp, m_udp_preferred, m_udp);
  return tables;
}

}  // namespace chalk::shim
