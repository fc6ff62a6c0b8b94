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

#include "plugin/sinks/json_text.hpp"

namespace chalk::shim {
namespace {

// The kernel fills at most 32 KiB per dump message batch; a smaller buffer would truncate.
constexpr std::size_t k_receive_buffer = 32768;
constexpr std::size_t k_tcp_state_syn_recv = 3;
constexpr std::size_t k_tcp_state_listen = 10;

// Cells are formatted into stack buffers, digits by hand (std::to_string per byte and string
// appends cost more than the kernel's whole dump), then handed to a row writer: Rows for
// tests and the /proc/net comparison, JSON text for reports.

// Writes the decimal digits of `value` backwards, ending at `end`; returns where they start.
char* decimal_digits(std::uint32_t value, char* end) {
  do {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  return end;
}

struct DecimalCell {
  explicit DecimalCell(std::uint32_t value) : start(decimal_digits(value, digits.data() + digits.size())) {}
  DecimalCell(const DecimalCell&) = delete;
  DecimalCell& operator=(const DecimalCell&) = delete;
  [[nodiscard]] std::string_view view() const {
    return {start, static_cast<std::size_t>(digits.data() + digits.size() - start)};
  }
  std::array<char, 10> digits{};
  char* start;
};

// "127.0.0.1", or 8 uncompressed lowercase groups for IPv6, as /proc/net's rows read.
struct AddressCell {
  AddressCell(std::uint8_t family, const std::uint32_t (&words)[4]) {
    // The kernel copies the address bytes as they are on the wire (network order).
    std::array<std::uint8_t, 16> bytes{};
    std::memcpy(bytes.data(), words, bytes.size());
    if (family == AF_INET) {
      char* out = text.data() + 15;  // at most "255.255.255.255", written from the end
      for (std::size_t i = 4; i-- > 0;) {
        out = decimal_digits(bytes[i], out);
        if (i > 0) *--out = '.';
      }
      start = out;
      size = static_cast<std::size_t>(text.data() + 15 - out);
      return;
    }
    static constexpr char k_hex[] = "0123456789abcdef";
    char* out = text.data();
    for (std::size_t i = 0; i < 16; ++i) {
      if (i > 0 && i % 2 == 0) *out++ = ':';
      *out++ = k_hex[bytes[i] >> 4];
      *out++ = k_hex[bytes[i] & 0xf];
    }
    start = text.data();
    size = 39;
  }
  AddressCell(const AddressCell&) = delete;
  AddressCell& operator=(const AddressCell&) = delete;
  [[nodiscard]] std::string_view view() const { return {start, size}; }
  std::array<char, 39> text{};
  const char* start = nullptr;
  std::size_t size = 0;
};

using SocketRow = std::array<std::string_view, 7>;

bool same_address(const inet_diag_msg& a, const inet_diag_msg& b) {
  const std::size_t size = a.idiag_family == AF_INET ? 4 : 16;
  return a.idiag_family == b.idiag_family && std::memcmp(a.id.idiag_src, b.id.idiag_src, size) == 0;
}

bool is_wildcard(const inet_diag_msg& socket) {
  static constexpr std::uint32_t k_zero[4] = {};
  return std::memcmp(socket.id.idiag_src, k_zero, socket.idiag_family == AF_INET ? 4 : 16) == 0;
}

// Calls `write(const SocketRow&)` once per socket, in socket_rows' order.
template <class Write>
void for_each_row(const DiagRecords& records, SocketProtocol protocol, Write&& write) {
  constexpr std::array<std::uint8_t, 2> k_families = {AF_INET, AF_INET6};
  std::vector<const inet_diag_msg*> listeners;
  if (protocol == SocketProtocol::tcp) {
    for (const std::uint8_t family : k_families) {
      for (const inet_diag_msg& socket : records) {
        if (socket.idiag_family == family && socket.idiag_state == k_tcp_state_listen)
          listeners.push_back(&socket);
      }
    }
  }
  // A request socket has no inode of its own; a full socket in SYN_RECV (Fast Open) has one.
  const auto owner_uid = [&](const inet_diag_msg& socket) {
    if (protocol != SocketProtocol::tcp || socket.idiag_state != k_tcp_state_syn_recv ||
        socket.idiag_inode != 0)
      return socket.idiag_uid;
    const inet_diag_msg* owner = nullptr;
    for (const inet_diag_msg* listener : listeners) {
      if (listener->id.idiag_sport != socket.id.idiag_sport) continue;
      if (same_address(*listener, socket)) {
        owner = listener;
        break;
      }
      if (owner == nullptr && is_wildcard(*listener)) owner = listener;
    }
    return owner != nullptr ? owner->idiag_uid : socket.idiag_uid;
  };
  for (const std::uint8_t family : k_families) {
    for (const inet_diag_msg& socket : records) {
      if (socket.idiag_family != family) continue;
      const AddressCell local(socket.idiag_family, socket.id.idiag_src);
      const DecimalCell local_port(ntohs(socket.id.idiag_sport));
      const AddressCell remote(socket.idiag_family, socket.id.idiag_dst);
      const DecimalCell remote_port(ntohs(socket.id.idiag_dport));
      const DecimalCell uid(owner_uid(socket));
      const DecimalCell inode(socket.idiag_inode);
      write(SocketRow{local.view(), local_port.view(), remote.view(), remote_port.view(),
                      protocol == SocketProtocol::tcp ? tcp_state_name(std::uint32_t{socket.idiag_state})
                                                      : std::string_view("UNCONN"),
                      uid.view(), inode.view()});
    }
  }
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

util::Status receive_dump(int fd, std::vector<std::uint8_t>& buffer, DiagRecords& records) {
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
    auto done = parse_inet_diag_dump(std::span(buffer.data(), static_cast<std::size_t>(n)), records);
    if (!done) return done.error();
    if (*done) return util::Status();
  }
}

// The sockets of one address family (SOCK_DIAG_BY_FAMILY).
util::Status dump_family(int fd, std::uint8_t family, SocketProtocol protocol,
                         std::vector<std::uint8_t>& buffer, DiagRecords& records) {
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
  return receive_dump(fd, buffer, records);
}

// IPv4 and IPv6 TCP sockets in one request: the older TCPDIAG_GETSOCK asks for both families
// at once, so the kernel walks its established hash (which containers share with the host
// unless it sets net.ipv4.tcp_child_ehash_entries) once instead of once per family.
util::Status dump_tcp_both_families(int fd, std::vector<std::uint8_t>& buffer, DiagRecords& records) {
  struct {
    nlmsghdr header;
    inet_diag_req request;
  } message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = TCPDIAG_GETSOCK;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request.idiag_states = k_proc_net_states;
  if (auto sent = send_request(fd, &message, sizeof message); !sent) return sent;
  return receive_dump(fd, buffer, records);
}

std::string netlink_context(SocketProtocol protocol) {
  return std::string("reading ") + name_of(protocol) + " sockets through netlink";
}

// Every socket of `protocol` into `records` (cleared first), through the netlink socket `fd`.
util::Status dump_records(int fd, SocketProtocol protocol, TcpRequest tcp, std::vector<std::uint8_t>& buffer,
                          DiagRecords& records) {
  buffer.resize(k_receive_buffer);
  records.clear();
  if (protocol == SocketProtocol::tcp && tcp == TcpRequest::both_families) {
    auto both = dump_tcp_both_families(fd, buffer, records);
    if (both) return both;
    // A kernel that dropped the old request type still answers one family at a time.
    if (both.error().code != util::Errc::unsupported)
      return both.error().with_context(netlink_context(protocol));
    records.clear();
  }
  for (const std::uint8_t family : {std::uint8_t{AF_INET}, std::uint8_t{AF_INET6}}) {
    if (auto dumped = dump_family(fd, family, protocol, buffer, records); !dumped) {
      return dumped.error().with_context(netlink_context(protocol));
    }
  }
  return util::Status();
}

int open_sock_diag() { return ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG); }

util::Error open_error(SocketProtocol protocol, int error) {
  return dump_error("opening a sock_diag socket", error).with_context(netlink_context(protocol));
}

}  // namespace

util::Result<bool> parse_inet_diag_dump(std::span<const std::uint8_t> buffer, DiagRecords& records) {
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
      records.push_back(socket);
    }
    const std::size_t step = NLMSG_ALIGN(header.nlmsg_len);
    if (step >= buffer.size()) break;
    buffer = buffer.subspan(step);
  }
  return false;
}

Rows socket_rows(const DiagRecords& records, SocketProtocol protocol) {
  Rows rows;
  rows.reserve(records.size());
  for_each_row(records, protocol,
               [&rows](const SocketRow& row) { rows.emplace_back(row.begin(), row.end()); });
  return rows;
}

std::string socket_rows_json(const DiagRecords& records, SocketProtocol protocol) {
  std::string text = "[";
  text.reserve(records.size() * 128);
  for_each_row(records, protocol, [&text](const SocketRow& row) {
    if (text.size() > 1) text += ',';
    sinks::append_json_row(text, row);
  });
  text += ']';
  return text;
}

util::Result<Rows> dump_sockets(SocketProtocol protocol, TcpRequest tcp) {
  const Fd fd(open_sock_diag());
  if (fd.get() < 0) return open_error(protocol, errno);
  std::vector<std::uint8_t> buffer;
  DiagRecords records;
  if (auto dumped = dump_records(fd.get(), protocol, tcp, buffer, records); !dumped) return dumped.error();
  return socket_rows(records, protocol);
}

SocketTableReader::SocketTableReader(std::string proc_root, Source preferred)
    : m_proc_root(std::move(proc_root)), m_tcp_preferred(preferred), m_udp_preferred(preferred) {}

SocketTableReader::~SocketTableReader() {
  if (m_netlink >= 0) ::close(m_netlink);
}

std::string SocketTableReader::read_table(SocketProtocol protocol, Source& preferred, Source& used) {
  if (preferred == Source::netlink) {
    if (m_netlink < 0) m_netlink = open_sock_diag();
    const util::Status dumped =
        m_netlink >= 0 ? dump_records(m_netlink, protocol, TcpRequest::both_families, m_buffer, m_records)
                       : util::Status(open_error(protocol, errno));
    if (dumped) {
      used = Source::netlink;
      return socket_rows_json(m_records, protocol);
    }
    // A failed dump may leave messages behind: the next read starts on a new socket.
    if (m_netlink >= 0) ::close(m_netlink);
    m_netlink = -1;
    // A refusal will not change while the container runs; anything else may be transient.
    if (dumped.error().code == util::Errc::unsupported) preferred = Source::proc;
  }
  used = Source::proc;
  return rows_json(protocol == SocketProtocol::tcp ? read_proc_tcp(m_proc_root) : read_proc_udp(m_proc_root));
}

SocketTables SocketTableReader::read() {
  SocketTables tables;
  tables.tcp = read_table(SocketProtocol::tcp, m_tcp_preferred, m_tcp);
  tables.udp = read_table(SocketProtocol::udp, m_udp_preferred, m_udp);
  return tables;
}

}  // namespace chalk::shim
