// CONFIG.md §2 and test tables T1-T7: literals, strings, comments, collections, lex errors.
#include "plugin/config/lexer.hpp"

#include <gtest/gtest.h>

#include "plugin/config/literals.hpp"
#include "tests/unit/config/helpers.hpp"

namespace chalk::config::test {
namespace {

Value literal_value(const std::string& expr) { return attr(bare("x: " + expr), "x"); }

std::int64_t duration_of(const std::string& literal) {
  Value v = literal_value(literal);
  EXPECT_EQ(v.type.kind, Kind::duration) << literal;
  return v.i;
}

std::uint64_t size_of(const std::string& literal) {
  Value v = literal_value(literal);
  EXPECT_EQ(v.type.kind, Kind::size) << literal;
  return v.u;
}

TEST(Literals, T1Durations) {
  EXPECT_EQ(duration_of("<<30 minutes>>"), 1'800'000'000);
  EXPECT_EQ(duration_of("<<1h30m>>"), 5'400'000'000);
  EXPECT_EQ(duration_of("<<1 hr, 30 min>>"), 5'400'000'000);
  EXPECT_EQ(duration_of("<<50 msecs>>"), 50'000);
  EXPECT_EQ(duration_of("<<1m>>"), 60'000'000);
  EXPECT_EQ(duration_of("<<1M>>"), 60'000'000);
  EXPECT_EQ(duration_of("<< 30 sec >>"), 30'000'000);
  EXPECT_EQ(duration_of("<<2 weeks>>"), 1'209'600'000'000);
}

TEST(Literals, DurationUnitsAreExact) {
  EXPECT_EQ(duration_of("<<5 us>>"), 5);
  EXPECT_EQ(duration_of("<<5 USECS>>"), 5);
  EXPECT_EQ(duration_of("<<2 ms>>"), 2'000);
  EXPECT_EQ(duration_of("<<3 seconds>>"), 3'000'000);
  EXPECT_EQ(duration_of("<<1 d>>"), 86'400'000'000);
  EXPECT_EQ(duration_of("<<1 wk>>"), 604'800'000'000);
  EXPECT_EQ(duration_of("<<1 yr>>"), 31'536'000'000'000);
  EXPECT_EQ(duration_of("<<1d 2h 3m 4s>>"), 93'784'000'000);
  for (const char* bad : {"<<1 second>>", "<<1 minute>>", "<<1 hour>>", "<<1.5 h>>", "<<-1 s>>", "<<30>>",
                          "<<1h 2h>>", "<<h>>", "<<1 fortnight>>"}) {
    EXPECT_EQ(bare_error(std::string("x: ") + bad), std::string("t.c4m:1:4: check: Invalid literal: ") + bad)
        << bad;
  }
}

TEST(Literals, T2Sizes) {
  EXPECT_EQ(size_of("<<5mb>>"), 5'000'000U);
  EXPECT_EQ(size_of("<<1MB>>"), 1'000'000U);
  EXPECT_EQ(size_of("<<1Ki>>"), 1024U);
  EXPECT_EQ(size_of("<<5 GiB>>"), 5'368'709'120U);
  EXPECT_EQ(size_of("<<10b>>"), 10U);
  EXPECT_EQ(size_of("<<0mb>>"), 0U);
  EXPECT_EQ(size_of("<<2 TIB>>"), 2'199'023'255'552U);
  EXPECT_EQ(bare_error("x: <<1 kB>>"), "t.c4m:1:4: check: Invalid literal: <<1 kB>>");
  EXPECT_EQ(bare_error("x: <<1 byte>>"), "t.c4m:1:4: check: Invalid literal: <<1 byte>>");
  EXPECT_EQ(bare_error("x: <<1.5 MB>>"), "t.c4m:1:4: check: Invalid literal: <<1.5 MB>>");
  EXPECT_EQ(bare_error("x: <<1 MB 2 KB>>"), "t.c4m:1:4: check: Invalid literal: <<1 MB 2 KB>>");
}

TEST(Literals, T3Addresses) {
  EXPECT_EQ(literal_value("<<10.0.0.1>>").type.kind, Kind::ipaddr);
  EXPECT_EQ(literal_value("<<10.0.0.0/8>>").type.kind, Kind::cidr);
  EXPECT_EQ(literal_value("<<::1>>").type.kind, Kind::ipaddr);
  EXPECT_EQ(literal_value("<<fe80::/10>>").type.kind, Kind::cidr);
  EXPECT_EQ(bare_error("x: <<10.0.0.0/33>>"), "t.c4m:1:4: check: Invalid literal: <<10.0.0.0/33>>");
  EXPECT_EQ(bare_error("x: <<10.0.0.256>>"), "t.c4m:1:4: check: Invalid literal: <<10.0.0.256>>");
  EXPECT_EQ(bare_error("x: <<::1/129>>"), "t.c4m:1:4: check: Invalid literal: <<::1/129>>");
  EXPECT_EQ(bare_error("a: <<30 minutes"), "t.c4m:1:4: lex: Unterminated literal");
}

TEST(Literals, SpanLinesAndAreTrimmed) { EXPECT_EQ(duration_of("<<\n 1 hr,\n 30 min\n>>"), 5'400'000'000); }

TEST(Strings, T4Escapes) {
  EXPECT_EQ(literal_value(R"("tab\there")").s, "tab\there");
  EXPECT_EQ(literal_value(R"("q\"uote")").s, "q\"uote");
  EXPECT_EQ(literal_value(R"("back\\slash")").s, "back\\slash");
  EXPECT_EQ(literal_value(R"("unknown\qesc")").s, "unknownqesc");
  EXPECT_EQ(literal_value(R"("\u00e9\x41")").s,
            "\xC3\xA9"
            "A");
  EXPECT_EQ(literal_value(R"("\U0001F600")").s, "\xF0\x9F\x98\x80");
  EXPECT_EQ(literal_value(R"("\n\r\a\b\f")").s, "\n\r\a\b\f");
  EXPECT_EQ(literal_value("\"a\" + \"b\" +\n \"c\"").s, "abc");
  EXPECT_EQ(literal_value("\"\"\"triple\nline \"quoted\" \"\"\"").s, "triple\nline \"quoted\" ");
  EXPECT_EQ(literal_value("\"\"\"\nkept\"\"\"").s, "\nkept");
  EXPECT_EQ(literal_value("\"\"\"no \\n escapes\"\"\"").s, "no \\n escapes");
}

TEST(Strings, EscapeErrors) {
  EXPECT_EQ(bare_error(R"(x: "\u00g1")"), "t.c4m:1:4: lex: Invalid unicode escape in string literal");
  EXPECT_EQ(bare_error(R"(x: "\uD800")"), "t.c4m:1:4: lex: Invalid unicode escape in string literal");
  EXPECT_EQ(bare_error("x: \"\\u12"), "t.c4m:1:4: lex: Unterminated escape sequence in string literal");
  EXPECT_EQ(bare_error("x: \"abc\\"), "t.c4m:1:4: lex: Unterminated escape sequence in string literal");
  EXPECT_EQ(bare_error("x: \"\"\"never closed"), "t.c4m:1:4: lex: Unterminated string");
}

TEST(Comments, T5) {
  RunResult r = bare("# x\n// x\n/* m\n n */ a: 1\nb: 2 # t\nc: 3; d: 4\nx: \"has # hash\"");
  EXPECT_EQ(attr(r, "a").i, 1);
  EXPECT_EQ(attr(r, "b").i, 2);
  EXPECT_EQ(attr(r, "c").i, 3);
  EXPECT_EQ(attr(r, "d").i, 4);
  EXPECT_EQ(attr(r, "x").s, "has # hash");
  EXPECT_EQ(bare_error("/* open"), "t.c4m:1:1: lex: Unterminated comment");
  EXPECT_EQ(bare_error("a: 1\n  /* /* nested */ */"), "t.c4m:2:19: parse: Expected an expression, got '*'");
}

TEST(Collections, T6) {
  EXPECT_EQ(type_name(literal_value("[1, 2,\n 3]").type), "list[int]");
  EXPECT_EQ(literal_value("[1, 2,\n 3]").items.size(), 3U);
  EXPECT_EQ(type_name(literal_value(R"({"x": 1, "y": 2})").type), "dict[string, int]");
  EXPECT_EQ(type_name(literal_value(R"((1, "two", true))").type), "tuple[int, string, bool]");
  EXPECT_EQ(type_name(literal_value("[]").type), "list[`t]");
  EXPECT_EQ(type_name(literal_value("{\n\"a\": [1],\n\"b\": []\n}").type), "dict[string, list[int]]");
  EXPECT_EQ(bare_error(R"(x: [1, "a"])"), "t.c4m:1:4: check: List items must all be the same type");
  EXPECT_EQ(bare_error("x: [\n 1,\n 2,\n]"), "t.c4m:4:1: parse: Invalid list item");
  EXPECT_EQ(bare_error("x: [1,, 2]"), "t.c4m:1:7: parse: Expected an expression, got ','");
  EXPECT_EQ(bare_error(R"(x: {1: "a", "b": "c"})"), "t.c4m:1:4: check: Dict keys must all be the same type");
  EXPECT_EQ(bare_error(R"(x: {1.5: "a"})"), "t.c4m:1:5: check: Dict keys must be strings or ints");
}

TEST(LexErrors, T7) {
  EXPECT_EQ(bare_error("x: \"abc"), "t.c4m:1:4: lex: Unterminated string");
  EXPECT_EQ(bare_error("x: \"abc\n\""), "t.c4m:1:4: lex: Unterminated string");
  EXPECT_EQ(bare_error("x: @"), "t.c4m:1:4: lex: Invalid character found");
  EXPECT_EQ(bare_error("x: 1\ry: 2"), "t.c4m:1:5: lex: Invalid character found");
  EXPECT_EQ(bare_error("a: 12:30:00"),
            "t.c4m:1:4: lex: Invalid character found: '12:30:00' is not a number (use <<12:30:00>>)");
  EXPECT_EQ(bare_error("a: 10.0.0.1"),
            "t.c4m:1:4: lex: Invalid character found: '10.0.0.1' is not a number (use <<10.0.0.1>>)");
  EXPECT_EQ(bare_error("x: 'c'"), "t.c4m:1:4: parse: unsupported: character literals");
  EXPECT_EQ(bare_error("x: 1 & 2"), "t.c4m:1:6: lex: Invalid character found");
  EXPECT_EQ(bare_error("x: \xC3\xA9"), "t.c4m:1:4: lex: Invalid character found");
}

TEST(LexErrors, CrLfIsANewline) {
  RunResult r = bare("x: 1\r\ny: \"\xC3\xA9\"\r\n");
  EXPECT_EQ(attr(r, "x").i, 1);
  EXPECT_EQ(attr(r, "y").s, "\xC3\xA9");
}

TEST(LexErrors, ColumnsCountCodePoints) {
  EXPECT_EQ(bare_error("x: \"\xC3\xA9\" @"), "t.c4m:1:8: lex: Invalid character found");
}

TEST(Numbers, IntsAndFloats) {
  EXPECT_EQ(literal_value("9223372036854775807").i, INT64_MAX);
  EXPECT_EQ(literal_value("-9223372036854775807").i, -INT64_MAX);
  EXPECT_EQ(bare_error("x: 9223372036854775808"), "t.c4m:1:4: lex: Number too large for int type.");
  EXPECT_DOUBLE_EQ(literal_value("1.5").f, 1.5);
  EXPECT_DOUBLE_EQ(literal_value("1.5e3").f, 1500.0);
  EXPECT_DOUBLE_EQ(literal_value("2e-1").f, 0.2);
  EXPECT_DOUBLE_EQ(literal_value("1.0E+2").f, 100.0);
  EXPECT_EQ(literal_value("1.0").type.kind, Kind::float_);
  EXPECT_EQ(bare_error("x: 0x10"), "t.c4m:1:5: lex: Invalid character found");
}

TEST(Lexer, DropsNewlinesThatCannotEndAStatement) {
  auto tokens = lex("a: 1 +\n 2\nb: [\n1,\n2\n]\n\n\nc: 3");
  int newlines = 0;
  for (const auto& t : tokens) newlines += t.kind == Tok::newline ? 1 : 0;
  EXPECT_EQ(newlines, 2);
  EXPECT_TRUE(is_keyword("elif"));
  EXPECT_FALSE(is_keyword("parameter"));
}

TEST(Lexer, KeywordsAreNotAttributeNames) {
  EXPECT_EQ(bare_error("sec.to: 1"), "t.c4m:1:5: parse: 'to' is a keyword, not a name");
  EXPECT_EQ(attr(bare("$weird_Name1: 1"), "$weird_Name1").i, 1);
}

}  // namespace
}  // namespace chalk::config::test
