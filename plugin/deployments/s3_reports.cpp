#include "plugin/deployments/s3_reports.hpp"

#include <cstdlib>

namespace chalk::deployments {

namespace {

// Objects are reports: a JSON Lines object a few KiB long; anything near this is not ours.
constexpr std::size_t k_max_object_bytes = 64 << 20;
constexpr std::size_t k_max_listing_bytes = 4 << 20;

// XML character references S3 uses in keys and tokens.
std::string xml_unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    const std::size_t end = text.find(';', i);
    const std::string_view entity = end == std::string_view::npos ? "" : text.substr(i + 1, end - i - 1);
    if (entity == "amp")
      out += '&';
    else if (entity == "lt")
      out += '<';
    else if (entity == "gt")
      out += '>';
    else if (entity == "quot")
      out += '"';
    else if (entity == "apos")
      out += '\'';
    else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x';
      const unsigned long code =
          std::strtoul(std::string(entity.substr(hex ? 2 : 1)).c_str(), nullptr, hex ? 16 : 10);
      if (code < 0x80) out += static_cast<char>(code);
    } else {
      out += text[i];
      continue;
    }
    i = end;
  }
  return out;
}

// True when every `dt=` part of `key` is inside `dates`.
bool in_range(const std::string& key, const DateRange& dates) {
  std::size_t start = 0;
  while (start <= key.size()) {
    const std::size_t slash = key.find('/', start);
    const std::size_t end = slash == std::string::npos ? key.size() : slash;
    if (!dates.admits(std::string_view(key).substr(start, end - start))) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

util::Result<std::string> fetch(const sinks::HttpRequest& request, sinks::HttpTransport& transport,
                                const std::string& what) {
  const sinks::HttpOutcome outcome = transport.send(request);
  if (outcome.failure != sinks::TransportFailure::none) {
    return util::make_error(util::Errc::io, what + ": " + outcome.message);
  }
  if (outcome.status < 200 || outcome.status > 299) {
    return util::make_error(util::Errc::io, what + ": " + sinks::describe_s3_answer(outcome));
  }
  return outcome.body;
}

}  // namespace

util::Result<ObjectListing> parse_object_listing(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    return util::make_error(util::Errc::invalid_format, "not a ListObjectsV2 answer");
  }
  ObjectListing listing;
  std::size_t pos = 0;
  while ((pos = xml.find("<Key>", pos)) != std::string_view::npos) {
    const std::size_t end = xml.find("</Key>", pos);
    if (end == std::string_view::npos)
      return util::make_error(util::Errc::invalid_format, "unterminated <Key>");
    listing.keys.push_back(xml_unescape(xml.substr(pos + 5, end - pos - 5)));
    pos = end;
  }
  const std::size_t truncated = xml.find("<IsTruncated>true</IsTruncated>");
  const std::size_t token = xml.find("<NextContinuationToken>");
  if (truncated != std::string_view::npos && token != std::string_view::npos) {
    const std::size_t start = token + 23;
    const std::size_t end = xml.find("</NextContinuationToken>", start);
    if (end == std::string_view::npos)
      return util::make_error(util::Errc::invalid_format, "unterminated token");
    listing.next_token = xml_unescape(xml.substr(start, end - start));
  }
  return listing;
}

util::Status read_s3_objects(const sinks::S3Requests& s3, sinks::HttpTransport& transport,
                             sinks::Clock& clock, const DateRange& dates,
                             const std::function<void(const std::string& name, std::string_view text)>& each,
                             Tally& tally) {
  const auto& location = s3.location();
  const std::string base = "s3://" + location.bucket + "/";
  const std::string prefix = location.prefix.empty() ? "" : location.prefix + "/";
  std::string token;
  do {
    std::vector<std::pair<std::string, std::string>> query{{"list-type", "2"}, {"prefix", prefix}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    sinks::HttpRequest list = s3.make("GET", "", std::move(query), "", clock.now_ms());
    list.max_response_body = k_max_listing_bytes;
    auto page = fetch(list, transport, "listing `" + base + prefix + "`");
    if (!page) return page.error();
    auto listing = parse_object_listing(*page);
    if (!listing) return listing.error().with_context("listing `" + base + prefix + "`");
    for (const auto& key : listing->keys) {
      if (!in_range(key, dates)) continue;
      sinks::HttpRequest get = s3.make("GET", key, {}, "", clock.now_ms());
      get.max_response_body = k_max_object_bytes;
      auto text = fetch(get, transport, "reading `" + base + key + "`");
      if (!text) {
        tally.skipped.push_back({base + key, text.error().message});
        continue;
      }
      each(base + key, *text);
    }
    token = listing->next_token;
  } while (!token.empty());
  return {};
}

}  // namespace chalk::deployments
