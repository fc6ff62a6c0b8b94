// The reports' JSON writer against nlohmann's compact dump, and raw JSON values.
#include "plugin/sinks/json_text.hpp"

#include <gtest/gtest.h>

#include "plugin/sinks/sink.hpp"

namespace chalk::sinks {
namespace {

std::string nlohmann_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonText, WritesWhatNlohmannsCompactDumpWrites) {
  const nlohmann::json values[] = {
      nlohmann::json::object(),
      nlohmann::json::array(),
      nullptr,
      true,
      false,
      0,
      -42,
      std::uint64_t{18446744073709551615ULL},
      1.5,
      0.1,
      1e300,
      "",
      "plain text",
      "quote \" backslash \\ slash /",
      "controls \b\f\n\r\t \x01 \x1f \x7f",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // valid UTF-8 stays as it is
      "bad \xff utf-8 \xc3 cut \xe2\x82",           // invalid: replaced
      nlohmann::json::parse(R"({"b":[1,[2,{}],[]],"a":{"x\ny":"z"},"c":null})"),
      nlohmann::json::array(
          {nlohmann::json::array({"0.0.0.0", "9999"}), nlohmann::json::array({"::1", "22"})}),
  };
  for (const auto& value : values) EXPECT_EQ(json_text(value), nlohmann_text(value)) << nlohmann_text(value);
}

TEST(JsonText, KeysAreEscapedLikeStrings) {
  nlohmann::json value = nlohmann::json::object();
  value["tab\there"] = 1;
  value["bad \xff"] = 2;
  EXPECT_EQ(json_text(value), nlohmann_text(value));
}

TEST(JsonText, PlainStringsAreFoundAtEveryPositionOfAWord) {
  std::string printable;
  for (char c = 0x20; c < 0x7f; ++c) {
    if (c != '"' && c != '\\') printable += c;
  }
  EXPECT_TRUE(is_plain_json_string(printable));
  EXPECT_TRUE(is_plain_json_string(""));
  for (const char bad : {'"', '\\', '\x1f', '\x00', '\x80', '\xff', '\n'}) {
    for (std::size_t at = 0; at < 21; ++at) {
      std::string text(21, 'a');
      text[at] = bad;
      EXPECT_FALSE(is_plain_json_string(text))
          << "byte " << int(static_cast<unsigned char>(bad)) << " at " << at;
      std::string out;
      append_json_string(out, text);
      EXPECT_EQ(out, nlohmann_text(nlohmann::json(text)));
    }
  }
}

TEST(JsonText, StringsAppendQuoted) {
  std::string out = "x";
  append_json_string(out, "a\"b");
  append_json_string(out, "plain");
  EXPECT_EQ(out, R"(x"a\"b""plain")");
}

TEST(JsonText, RawValuesAreWrittenVerbatimAndParseBack) {
  const std::string table = R"([["0.0.0.0","9999","0.0.0.0","0","LISTEN","0","27973"]])";
  nlohmann::json report = nlohmann::json::object();
  report["_OPERATION"] = "heartbeat";
  report["_OP_TCP_SOCKET_INFO"] = raw_json(table);
  EXPECT_TRUE(is_raw_json(report["_OP_TCP_SOCKET_INFO"]));
  EXPECT_FALSE(is_raw_json(report["_OPERATION"]));
  EXPECT_FALSE(is_raw_json(nlohmann::json::binary({1, 2, 3})));

  const std::string expected = R"({"_OPERATION":"heartbeat","_OP_TCP_SOCKET_INFO":)" + table + "}";
  EXPECT_EQ(json_text(report), expected);
  EXPECT_EQ(as_object_line(report), expected + "\n");
  EXPECT_EQ(as_array_line(report, false), "[" + expected + "]\n");
  EXPECT_EQ(as_array(report), "[" + expected + "]");

  const nlohmann::json parsed = parsed_raw_json(report);
  EXPECT_EQ(parsed, nlohmann::json::parse(expected));
  // Pretty screens print the parsed values, as nlohmann indents them.
  EXPECT_EQ(as_array_line(report, true), nlohmann::json::array({parsed}).dump(2) + "\n");
  // A copy of a report copies its raw values.
  const nlohmann::json copy = report;
  EXPECT_EQ(json_text(copy), expected);
}

}  // namespace
}  // namespace chalk::sinks
