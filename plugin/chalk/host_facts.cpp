#include "plugin/chalk/host_facts.hpp"

#include <sys/utsname.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace chalk {

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t source_date_epoch(const std::map<std::string, std::string>& environment) {
  const auto found = environment.find("SOURCE_DATE_EPOCH");
  if (found == environment.end() || found->second.empty()) return 0;
  char* end = nullptr;
  const long long value = std::strtoll(found->second.c_str(), &end, 10);
  return end != nullptr && *end == '\0' && value > 0 ? value : 0;
}

std::string format_datetime(std::int64_t ms, long utc_offset_seconds) {
  const std::time_t local_seconds = static_cast<std::time_t>(ms / 1000) + utc_offset_seconds;
  std::tm parts{};
  gmtime_r(&local_seconds, &parts);
  const long offset_minutes = (utc_offset_seconds < 0 ? -utc_offset_seconds : utc_offset_seconds) / 60;
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03d%c%02ld:%02ld", parts.tm_year + 1900,
                parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                static_cast<int>(ms % 1000), utc_offset_seconds < 0 ? '-' : '+', offset_minutes / 60,
                offset_minutes % 60);
  return text;
}

std::string local_datetime(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  localtime_r(&seconds, &parts);
  return format_datetime(ms, parts.tm_gmtoff);
}

std::string utc_rfc3339(std::int64_t ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string platform_string() {
  utsname names{};
  if (uname(&names) != 0) return "GNU/Linux";
  const std::string sysname = names.sysname;
  return (sysname == "Linux" ? std::string("GNU/Linux") : sysname) + " " + names.machine;
}

}  // namespace chalk
