// CONFIG.md §2.2-§7 and test tables T8-T11: assignments, sections, control flow,
// functions, operators, static checks, builtins and recorded effects.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/unit/config/helpers.hpp"

namespace chalk::config::test {
namespace {

Value value_of(const std::string& prelude, const std::string& expr) {
  return attr(bare(prelude + "\nresult_attr: " + expr), "result_attr");
}
// "prelude\nexpr": the last line is the expression.
Value value_of(const std::string& text) {
  auto nl = text.rfind('\n');
  if (nl == std::string::npos) return value_of("", text);
  return value_of(text.substr(0, nl), text.substr(nl + 1));
}

TEST(Assignment, T8Forms) {
  RunResult r = bare("x:1\ny=2\nz:=3\nw: z");
  EXPECT_EQ(attr(r, "x").i, 1);
  EXPECT_EQ(attr(r, "y").i, 2);
  EXPECT_EQ(attr(r, "w").i, 3);
  EXPECT_EQ(r.store.get("z"), nullptr);
}

TEST(Assignment, T8TypesAreFixed) {
  EXPECT_EQ(bare_error("x: 1\nx: \"s\""),
            "t.c4m:2:4: check: Attribute assignment of x doesn't match previous type ('string' vs 'int')");
  EXPECT_EQ(bare_error("x: 1\nx: 1.0"),
            "t.c4m:2:4: check: Attribute assignment of x doesn't match previous type ('float' vs 'int')");
  EXPECT_EQ(
      bare_error("sec { a: 1 }\nsec { a: \"s\" }"),
      "t.c4m:2:10: check: Attribute assignment of sec.a doesn't match previous type ('string' vs 'int')");
  EXPECT_EQ(bare_error("v := 1\nv := \"s\""),
            "t.c4m:2:6: check: Assignment of v doesn't match its previous type ('string' vs 'int')");
  EXPECT_EQ(bare_error("x: [1]\nx: [\"a\"]"),
            "t.c4m:2:4: check: Attribute assignment of x doesn't match previous type ('list[string]' vs "
            "'list[int]')");
  RunResult r = bare("x: []\nx: [\"a\"]\ny: [\"b\"]\ny: []");
  EXPECT_EQ(type_name(attr(r, "x").type), "list[string]");
  EXPECT_EQ(type_name(attr(r, "y").type), "list[string]");
}

TEST(Assignment, DottedPathsCreateSectionsAndMixWithBlocks) {
  RunResult r = bare("a.b.c: 1\na { b { d: 2 } }\na b { e: 3 }");
  EXPECT_EQ(attr(r, "a.b.c").i, 1);
  EXPECT_EQ(attr(r, "a.b.d").i, 2);
  EXPECT_EQ(attr(r, "a.b.e").i, 3);
  EXPECT_EQ(bare_error("a.b := 1"), "t.c4m:1:5: parse: Expected a : or = after attr specification");
}

TEST(Assignment, TupleUnpacking) {
  RunResult r = bare("a, b := (1, \"two\")\nx: a\ny: b");
  EXPECT_EQ(attr(r, "x").i, 1);
  EXPECT_EQ(attr(r, "y").s, "two");
  EXPECT_EQ(bare_error("a, b := 1"),
            "t.c4m:1:9: check: Assigning to 2 names needs a tuple of that many items, not 'int'");
}

TEST(Assignment, SectionAttributeConflicts) {
  EXPECT_EQ(bare_error("x: 1\nx { y: 2 }"),
            "t.c4m:2:1: runtime: x: should be a section, but already have it as an attr");
  EXPECT_EQ(bare_error("x: 1\nx.y: 2"),
            "t.c4m:2:1: runtime: x: should be a section, but already have it as an attr");
  EXPECT_EQ(bare_error("x.y: 1\nx: 2"),
            "t.c4m:2:1: runtime: x: should be an attr, but already have it as a section");
}

TEST(Sections, NamesAndBodies) {
  RunResult r = bare(
      "sink_config s { sink: \"stdout\" }\nsink_config \"my-sink\" { sink: \"stderr\" }\nempty_kind foo\nx: "
      "1");
  EXPECT_EQ(attr(r, "sink_config.s.sink").s, "stdout");
  EXPECT_EQ(attr(r, "sink_config.my-sink.sink").s, "stderr");
  EXPECT_TRUE(r.store.sections.count("empty_kind.foo"));
  EXPECT_EQ(bare_error("sec foo\n{\n  x: 1\n}"),
            "t.c4m:2:1: parse: section body '{' must be on the same line as 'sec foo'");
  EXPECT_EQ(bare_error("sec\n{ x: 1 }"),
            "t.c4m:2:1: parse: section body '{' must be on the same line as 'sec'");
  EXPECT_EQ(bare_error("sec foo bar"),
            "t.c4m:1:9: parse: Expected '{' or the end of the statement after a section name");
  EXPECT_EQ(bare_error("sec foo {\n x: 1\n"), "t.c4m:3:1: parse: Expected '}' to close the block");
  EXPECT_EQ(bare_error("x: 1 }"), "t.c4m:1:6: parse: Unexpected '}'");
}

TEST(Sections, ReadsResolveVariableThenSectionThenTopLevel) {
  RunResult r = bare("a: 1\nb: 10\nsec {\n  b: 2\n  c: a + b\n  v := 100\n  d: v\n}\ne: b");
  EXPECT_EQ(attr(r, "sec.c").i, 3);
  EXPECT_EQ(attr(r, "sec.d").i, 100);
  EXPECT_EQ(attr(r, "e").i, 10);
  EXPECT_EQ(bare_error("sec {\n  v := 1\n}\nx: v"), "t.c4m:4:4: check: Variable v used before definition");
}

TEST(Scopes, BlocksUpdateEnclosingAndHideTheirOwn) {
  RunResult r = bare("v := 1\nif true { v := 2\n w := 3 }\nx: v");
  EXPECT_EQ(attr(r, "x").i, 2);
  EXPECT_EQ(bare_error("if true { w := 3 }\nx: w"), "t.c4m:2:4: check: Variable w used before definition");
  EXPECT_EQ(bare_error("x: nope"), "t.c4m:1:4: check: Variable nope used before definition");
}

TEST(Scopes, RedefinitionConflicts) {
  EXPECT_EQ(bare_error("env := 1"),
            "t.c4m:1:1: check: Can't re-define name env: Conflicts with existing function");
  EXPECT_EQ(bare_error("func f() { return 1 }\nf := 2"),
            "t.c4m:2:1: check: Can't re-define name f: Conflicts with existing function");
  EXPECT_EQ(bare_error("log_level := \"x\""),
            "t.c4m:1:1: check: Can't re-define name log_level: Conflicts with existing in-scope attribute");
  EXPECT_EQ(bare_error("sec { a: 1\n a := 2 }"),
            "t.c4m:2:2: check: Can't re-define name a: Conflicts with existing in-scope attribute");
  EXPECT_EQ(bare_error("echo \"hello\""),
            "t.c4m:1:1: check: Can't re-define name echo: Conflicts with existing function");
  EXPECT_EQ(bare_error("result := 1"),
            "t.c4m:1:1: check: Can't re-define name result: reserved for function results");
}

TEST(Locks, T11) {
  EXPECT_EQ(bare_error("~x: 1\nx: 2"), "t.c4m:2:1: runtime: x: attribute is locked and can't be set");
  RunResult r = bare("~x: 1\nx: 1");
  EXPECT_EQ(attr(r, "x").i, 1);
  EXPECT_EQ(bare_error("sec {\n  ~a: \"v\"\n}\nsec.a: \"w\""),
            "t.c4m:4:1: runtime: sec.a: attribute is locked and can't be set");
}

TEST(ControlFlow, T10Loops) {
  EXPECT_EQ(value_of("t := 0\nfor i from 0 to 5 { t := t + i }", "t").i, 10);
  EXPECT_EQ(value_of("d := \"\"\nfor i from 3 to 0 { d := d + $(i) }", "d").s, "210");
  EXPECT_EQ(
      value_of("t := 0\nfor i from 0 to 10 {\n if i == 2 { continue }\n if i == 5 { break }\n t := t + i\n}",
               "t")
          .i,
      8);
  EXPECT_EQ(value_of("t := 0\nfor i from 2 to 2 { t := 1 }", "t").i, 0);
  EXPECT_EQ(
      value_of("t := 0\nfor i from 0 to 3 {\n for j from 0 to 3 { if j == 1 { break }\n t := t + 1 } }", "t")
          .i,
      3);
  EXPECT_EQ(bare_error("for i from 0 to \"x\" { }"), "t.c4m:1:17: check: For loop bounds must be ints");
  EXPECT_EQ(bare_error("break"), "t.c4m:1:1: check: Break not allowed outside for loop");
  EXPECT_EQ(bare_error("continue"), "t.c4m:1:1: check: Continue not allowed outside for loop");
  EXPECT_EQ(bare_error("for i from 0 to 2000000 { }"),
            "t.c4m:1:1: runtime: loop runs too long (over 1000000 iterations)");
}

TEST(ControlFlow, IfElifElse) {
  const std::string program =
      "\nif v == 1 { r := \"one\"\n out: r }\nelif v == 2 {\n out: \"two\"\n} else { out: \"many\" }";
  for (auto [v, want] : {std::pair{1, "one"}, std::pair{2, "two"}, std::pair{3, "many"}})
    EXPECT_EQ(attr(bare("v := " + std::to_string(v) + program), "out").s, want);
  EXPECT_EQ(attr(bare("if\n true\n { x: 1 }"), "x").i, 1);
  EXPECT_EQ(bare_error("if 1 { x: 1 }"), "t.c4m:1:4: check: If conditional must evaluate to a boolean");
  EXPECT_EQ(bare_error("if true x: 1"), "t.c4m:1:9: parse: Expected '{' to open a block");
}

TEST(Functions, T10) {
  EXPECT_EQ(attr(bare("func double(x) { return x * 2 }\na: double(21)"), "a").i, 42);
  EXPECT_EQ(bare_error("return 3"), "t.c4m:1:1: check: Return not allowed outside function definition");
}

TEST(Functions, CallableBeforeDefinitionOverloadsAndResult) {
  RunResult r = bare(
      "a: twice(\"ab\")\nb: twice(4)\nc: pick(1)\nd: pick(\"s\")\n"
      "func twice(x) { return x + x }\n"
      "func pick(x: int) { result := \"int\" }\n"
      "func pick(x: string) { result := \"string\"\n return }\n"
      "func side() { ran: true }\nside()");
  EXPECT_EQ(attr(r, "a").s, "abab");
  EXPECT_EQ(attr(r, "b").i, 8);
  EXPECT_EQ(attr(r, "c").s, "int");
  EXPECT_EQ(attr(r, "d").s, "string");
  EXPECT_TRUE(attr(r, "ran").b);
}

TEST(Functions, StaticErrors) {
  EXPECT_EQ(bare_error("func f(x: int) { return 1 }\nfunc f(y: int) { return 2 }"),
            "t.c4m:2:1: check: Duplicate implementation of function 'f'");
  EXPECT_EQ(bare_error("func env(x) { return x }"),
            "t.c4m:1:1: check: Function name conflicts with a builtin function");
  EXPECT_EQ(bare_error("func f(x: int) { return x }\na: f(\"s\")"),
            "t.c4m:2:4: check: Could not find an implementation for the function 'f(string) -> `t'");
  EXPECT_EQ(
      bare_error("a: nosuch(1, \"a\")"),
      "t.c4m:1:4: check: Could not find an implementation for the function 'nosuch(int, string) -> `t'");
  EXPECT_EQ(bare_error("a: env(1)"),
            "t.c4m:1:4: check: Could not find an implementation for the function 'env(int) -> `t'");
  EXPECT_EQ(bare_error("func f(n) { return f(n) }\na: f(1)"),
            "t.c4m:1:20: check: Recursive call of function 'f' is not supported");
  EXPECT_EQ(bare_error("func f() { if true { return 1 }\n return \"s\" }"),
            "t.c4m:2:9: check: Return type doesn't match a previous return ('string' vs 'int')");
  EXPECT_EQ(bare_error("func f() { x: 1 }\na: f()"),
            "t.c4m:2:4: check: Can't assign a value of no type to a");
  EXPECT_EQ(bare_error("if true { func g() { } }"),
            "t.c4m:1:11: check: Functions may only be defined at the top level");
  EXPECT_EQ(bare_error("x := func"), "t.c4m:1:6: parse: unsupported: function values");
  EXPECT_EQ(bare_error("func f(x: `t) { }"), "t.c4m:1:11: parse: unsupported: generic types");
  EXPECT_EQ(bare_error("use foo from \"bar\""), "t.c4m:1:1: parse: unsupported: 'use ... from'");
}

TEST(Functions, SeeParametersAndAttributesNotTopLevelVariables) {
  EXPECT_EQ(bare_error("v := 1\nfunc f() { return v }\na: f()"),
            "t.c4m:2:19: check: Variable v used before definition");
  EXPECT_EQ(attr(bare("top: 5\nfunc f() { return top }\na: f()"), "a").i, 5);
}

TEST(Operators, Arithmetic) {
  EXPECT_EQ(value_of("1 + 2 * 3").i, 7);
  EXPECT_EQ(value_of("7 % 3").i, 1);
  EXPECT_DOUBLE_EQ(value_of("7 / 2").f, 3.5);
  EXPECT_EQ(value_of("7 / 2").type.kind, Kind::float_);
  EXPECT_DOUBLE_EQ(value_of("1.5 * 2.0").f, 3.0);
  EXPECT_EQ(value_of("-5 + +2").i, -3);
  EXPECT_EQ(value_of("-(2 - 5)").i, 3);
  EXPECT_EQ(value_of("<<1 hr>> + <<30 min>>").i, 5'400'000'000);
  EXPECT_EQ(value_of("<<1 hr>> - <<30 min>>").i, 1'800'000'000);
  EXPECT_EQ(value_of("\"a\" + \"b\"").s, "ab");
  EXPECT_EQ(bare_error("x: --1"), "t.c4m:1:5: parse: Invalid unary operator sequence");
  EXPECT_EQ(bare_error("x: 1 / 0"), "t.c4m:1:8: runtime: Division by zero");
  EXPECT_EQ(bare_error("x: 9223372036854775807 + 1"), "t.c4m:1:24: runtime: Integer overflow");
}

TEST(Operators, SameLevelGroupsToTheRight) {
  EXPECT_EQ(value_of("10 - 5 - 2").i, 7);  // 10 - (5 - 2)
  EXPECT_EQ(value_of("(10 - 5) - 2").i, 3);
  EXPECT_EQ(value_of("10 - 4 + 1").i, 7);                // '-' binds tighter than '+'
  EXPECT_DOUBLE_EQ(value_of("8.0 / 4.0 / 2.0").f, 4.0);  // 8 / (4 / 2)
  // int / int is a float, so a right-grouped int chain does not type-check
  EXPECT_EQ(bare_error("x: 8 / 4 / 2"),
            "t.c4m:1:8: check: Types of left and right side of binary ops must match ('int' vs 'float')");
  EXPECT_EQ(value_of("20 % 7 % 4").i, 2);  // 20 % 3
  Program p =
      parse("x: 10 - 5 - 2 - 1\ny: 8 / 4 / 2\nz: 9 % 5 % 3\nw: (1 - 2) - 3\nv: 1 - (2 - 3)\nu: 1 + 2 + 3");
  ASSERT_EQ(p.warnings.size(), 3U);
  EXPECT_EQ(p.warnings[0].pos.line, 1);
  EXPECT_EQ(p.warnings[0].pos.col, 7);
  EXPECT_EQ(p.warnings[0].message,
            "'-' groups to the right here (a - b - c means a - (b - c)); add parentheses");
  EXPECT_EQ(p.warnings[1].pos.line, 2);
  EXPECT_EQ(p.warnings[2].pos.line, 3);
}

TEST(Operators, NotTakesTheWholeRest) {
  EXPECT_FALSE(value_of("not false or true").b);  // not (false or true)
  EXPECT_TRUE(value_of("(not false) or true").b);
  EXPECT_TRUE(value_of("true and not false").b);
  EXPECT_FALSE(value_of("!true").b);
  Program p = parse("x: not a or b\ny: not (a or b)\nz: !a && b");
  ASSERT_EQ(p.warnings.size(), 2U);
  EXPECT_EQ(p.warnings[0].message,
            "'not' applies to the whole 'or' expression to its right; add parentheses");
  EXPECT_EQ(p.warnings[1].pos.line, 3);
  EXPECT_EQ(p.warnings[1].message, "'!' applies to the whole 'and' expression to its right; add parentheses");
  EXPECT_EQ(bare_error("x: not 1"), "t.c4m:1:8: check: 'not' needs a bool, not 'int'");
}

TEST(Operators, ComparisonsAndLogic) {
  EXPECT_TRUE(value_of("1 < 2 and 2 <= 2 and 3 > 2 and 3 >= 3").b);
  EXPECT_TRUE(value_of("\"a\" < \"b\"").b);
  EXPECT_TRUE(value_of("<<1 sec>> < <<1 min>>").b);
  EXPECT_TRUE(value_of("<<1kb>> < <<1mb>>").b);
  EXPECT_TRUE(value_of("1 == 1 and 1 is 1 and 1 != 2").b);
  EXPECT_TRUE(value_of("[1, 2] == [1, 2]").b);
  EXPECT_TRUE(value_of("false || true").b);
  EXPECT_TRUE(value_of("f := false\nf or not f").b);
  EXPECT_EQ(bare_error("x: 1 == \"1\""),
            "t.c4m:1:9: check: Types of left and right side of binary ops must match ('int' vs 'string')");
  EXPECT_EQ(bare_error("x: 1 + 1.0"),
            "t.c4m:1:8: check: Types of left and right side of binary ops must match ('int' vs 'float')");
  EXPECT_EQ(bare_error("x: 1 and true"),
            "t.c4m:1:4: check: Each side of || and && expressions must eval to a bool");
  EXPECT_EQ(bare_error("x: true || 0"),
            "t.c4m:1:12: check: Each side of || and && expressions must eval to a bool");
  EXPECT_EQ(bare_error("x: true < false"), "t.c4m:1:9: check: Operator '<' doesn't work on 'bool'");
  EXPECT_EQ(bare_error("x: \"a\" - \"b\""), "t.c4m:1:8: check: Operator '-' doesn't work on 'string'");
  EXPECT_EQ(bare_error("x: <<1mb>> + <<1mb>>"), "t.c4m:1:12: check: Operator '+' doesn't work on 'Size'");
  EXPECT_EQ(bare_error("x: 1.5 % 2.0"), "t.c4m:1:8: check: Operator '%' doesn't work on 'float'");
}

TEST(Operators, ShortCircuit) {
  EXPECT_FALSE(value_of("d := {\"a\": 1}\nfalse and d[\"zz\"] == 1").b);
  EXPECT_TRUE(value_of("d := {\"a\": 1}\ntrue or d[\"zz\"] == 1").b);
}

TEST(Indexing, ListsDictsTuples) {
  EXPECT_EQ(value_of("l := [10, 20]\nl[1]").i, 20);
  EXPECT_EQ(value_of("d := {\"k\": \"v\"}\nd[\"k\"]").s, "v");
  EXPECT_EQ(value_of("t := (1, \"s\")\nt[1]").s, "s");
  EXPECT_EQ(bare_error("l := [1]\nx: l[3]"), "t.c4m:2:6: runtime: index 3 is out of range");
  EXPECT_EQ(bare_error("d := {\"a\": 1}\nx: d[\"k\"]"), "t.c4m:2:6: runtime: dict key k not found");
  EXPECT_EQ(bare_error("x: env()[\"a\"]"), "t.c4m:1:9: parse: Only names can be indexed");
  EXPECT_EQ(bare_error("l := [1]\nx: l[\"a\"]"), "t.c4m:2:6: check: List indexes must be ints");
  EXPECT_EQ(bare_error("v := 1\nx: v[0]"),
            "t.c4m:2:4: check: Only lists, dicts and tuples can be indexed, not 'int'");
}

TEST(Declarations, VarEnumExportParameter) {
  RunResult r = bare("var n: int\nn := 4\nenum A, B, C\nexport n\nx: n + C");
  EXPECT_EQ(attr(r, "x").i, 6);
  EXPECT_EQ(
      bare_error("var n: list[int]\nn := [\"a\"]"),
      "t.c4m:2:6: check: Assignment of n doesn't match its previous type ('list[string]' vs 'list[int]')");
  EXPECT_EQ(bare_error("var n: nosuch"), "t.c4m:1:8: parse: Unknown type 'nosuch'");
  RunResult p = bare(
      "parameter sink_config.p.uri {\n default: \"http://x\"\n doc: \"where\"\n}\n"
      "parameter var retries { default: 3 }\nn: retries\nsink_config.p.uri: \"http://y\"");
  EXPECT_EQ(attr(p, "n").i, 3);
  EXPECT_EQ(attr(p, "sink_config.p.uri").s, "http://y");
  EXPECT_EQ(bare_error("parameter var x { doc: \"no default\" }"),
            "t.c4m:1:1: check: Component not configured: no default for x");
}

TEST(Builtins, Strings) {
  EXPECT_EQ(value_of("len(\"abc\")").i, 3);
  EXPECT_EQ(value_of("len([1, 2])").i, 2);
  EXPECT_EQ(value_of("len({\"a\": 1})").i, 1);
  EXPECT_TRUE(value_of("contains(\"haystack\", \"st\")").b);
  EXPECT_TRUE(value_of("contains([\"a\", \"b\"], \"b\")").b);
  EXPECT_FALSE(value_of("contains({\"a\": 1}, \"b\")").b);
  EXPECT_TRUE(value_of("starts_with(\"abc\", \"ab\") and ends_with(\"abc\", \"bc\")").b);
  EXPECT_EQ(value_of("find(\"abc\", \"c\")").i, 2);
  EXPECT_EQ(value_of("find(\"abc\", \"z\")").i, -1);
  EXPECT_EQ(value_of("join(split(\"a,b,c\", \",\"), \"-\")").s, "a-b-c");
  EXPECT_EQ(value_of("strip(\"  x \\t\")").s, "x");
  EXPECT_EQ(value_of("upper(\"aB\") + lower(\"Cd\")").s, "ABcd");
  EXPECT_EQ(value_of("replace(\"aaa\", \"a\", \"bb\")").s, "bbbbbb");
  EXPECT_EQ(value_of("\"abc\".upper()").s, "ABC");
  EXPECT_EQ(value_of("s := \"a-b\"\ns.split(\"-\").join(\"+\")").s, "a+b");
  EXPECT_EQ(value_of("base64(\"hello\")").s, "aGVsbG8=");
}

TEST(Builtins, SliceIsInclusiveAsInTheReference) {
  EXPECT_EQ(value_of("slice(\"hello\", 1, 3)").s, "ell");
  EXPECT_EQ(value_of("slice(\"hello\", 2)").s, "llo");
  EXPECT_EQ(value_of("slice(\"hello\", -3)").s, "llo");
  EXPECT_EQ(value_of("slice(\"hello\", 0, -2)").s, "hell");
  EXPECT_EQ(value_of("slice(\"hello\", 4, 9)").s, "");
  EXPECT_EQ(value_of("slice(\"hello\", 7)").s, "");
  EXPECT_EQ(value_of("slice(\"hello\", 3, 1)").s, "");
}

TEST(Builtins, Conversions) {
  EXPECT_EQ(value_of("$(42)").s, "42");
  EXPECT_EQ(value_of("$(1.5)").s, "1.5");
  EXPECT_EQ(value_of("$(true)").s, "true");
  EXPECT_EQ(value_of("$([1, 2])").s, "[1, 2]");
  EXPECT_EQ(value_of("$(<<90 min>>)").s, "1 hr 30 min");
  EXPECT_EQ(value_of("int(2.9)").i, 2);
  EXPECT_DOUBLE_EQ(value_of("float(2)").f, 2.0);
  EXPECT_TRUE(value_of("bool(1)").b);
  EXPECT_FALSE(value_of("bool(\"\")").b);
  EXPECT_FALSE(value_of("bool([])").b);
  EXPECT_EQ(value_of("Duration(\"1 hr\")").i, 3'600'000'000);
  EXPECT_EQ(value_of("Size(\"1 KiB\")").u, 1024U);
  EXPECT_EQ(value_of("to_sec(<<2 min>>)").i, 120);
  EXPECT_EQ(value_of("to_msec(<<2 sec>>)").i, 2000);
  EXPECT_EQ(value_of("to_usec(<<2 ms>>)").i, 2000);
  EXPECT_EQ(bare_error("x: Duration(\"soon\")"), "t.c4m:1:4: runtime: Invalid duration: 'soon'");
  EXPECT_EQ(bare_error("x: int(1)"),
            "t.c4m:1:4: check: Could not find an implementation for the function 'int(int) -> `t'");
}

TEST(Builtins, Format) {
  EXPECT_EQ(value_of("name := \"world\"\nformat(\"hello {name} {log_level} {missing}\")").s,
            "hello world warn {missing}");
}

TEST(Builtins, EnvironmentAndHost) {
  Environment env = env_with({{"HOME", "/root"}, {"EMPTY", ""}});
  env.tty = true;
  RunResult r = bare(
      "a: env(\"HOME\")\nb: env(\"NOPE\")\nc: env_exists(\"EMPTY\")\nd: env_exists(\"NOPE\")\ne: len(env())\n"
      "f: version()\ng: command_name()\nh: command_argv()\ni: using_tty()",
      env);
  EXPECT_EQ(attr(r, "a").s, "/root");
  EXPECT_EQ(attr(r, "b").s, "");
  EXPECT_TRUE(attr(r, "c").b);
  EXPECT_FALSE(attr(r, "d").b);
  EXPECT_EQ(attr(r, "e").i, 2);
  EXPECT_EQ(attr(r, "f").s, "0.1.0");
  EXPECT_EQ(attr(r, "g").s, "build");
  EXPECT_EQ(attr(r, "h").items.size(), 3U);
  EXPECT_TRUE(attr(r, "i").b);
}

TEST(Builtins, Files) {
  std::string path = ::testing::TempDir() + "chalk_config_read_file.txt";
  std::ofstream(path) << "Content-Type: text/plain\nX-Token : abc \nnot a header\n";
  RunResult r = bare("p := \"" + path +
                     "\"\na: read_file(p)\nb: is_file(p)\nc: is_dir(p)\nd: read_file(\"/nonexistent/x\")\n"
                     "e: mime_to_dict(a)\nf: is_dir(\"/\")");
  EXPECT_EQ(attr(r, "a").s.substr(0, 7), "Content");
  EXPECT_TRUE(attr(r, "b").b);
  EXPECT_FALSE(attr(r, "c").b);
  EXPECT_EQ(attr(r, "d").s, "");
  Value dict = attr(r, "e");
  ASSERT_EQ(dict.items.size(), 4U);
  EXPECT_EQ(dict.items[0].s, "Content-Type");
  EXPECT_EQ(dict.items[1].s, "text/plain");
  EXPECT_EQ(dict.items[2].s, "X-Token");
  EXPECT_EQ(dict.items[3].s, "abc");
  EXPECT_TRUE(attr(r, "f").b);
  std::remove(path.c_str());
}

TEST(Effects, LogsAreRecordedAndFilteredAtTheCall) {
  RunResult r = bare(
      "info(\"hidden\")\nwarn(\"shown\")\nlog_level: \"trace\"\ntrace(\"t\")\necho(\"e\", 1, "
      "true)\nlog_level: \"none\"\nerror(\"gone\")\necho(\"gone too\")");
  ASSERT_EQ(r.logs.size(), 3U);
  EXPECT_EQ(r.logs[0].level, "warn");
  EXPECT_EQ(r.logs[0].text, "shown");
  EXPECT_EQ(r.logs[1].text, "t");
  EXPECT_EQ(r.logs[2].level, "echo");
  EXPECT_EQ(r.logs[2].text, "e 1 true");
}

TEST(Effects, SubscribeChecksAtTheCall) {
  RunResult r = bare(
      "a: subscribe(\"report\", \"nosuch\")\n"
      "sink_config off { sink: \"stdout\"\n enabled: false }\n"
      "b: subscribe(\"report\", \"off\")\n"
      "c: subscribe(\"nosuch_topic\", \"console_out\")\n"
      "d: subscribe(\"report\", \"console_out\")\n"
      "e: unsubscribe(\"report\", \"default_out\")");
  EXPECT_FALSE(attr(r, "a").b);
  EXPECT_FALSE(attr(r, "b").b);
  EXPECT_FALSE(attr(r, "c").b);
  EXPECT_TRUE(attr(r, "d").b);
  EXPECT_TRUE(attr(r, "e").b);
  ASSERT_EQ(r.logs.size(), 3U);
  EXPECT_EQ(r.logs[0].text, "nosuch: unknown sink configuration while subscribing to topic 'report'");
  EXPECT_EQ(r.logs[1].text, "off: sink is not enabled and cannot be subscribed to topic 'report'");
  EXPECT_EQ(r.logs[2].text, "nosuch_topic: unknown topic");
  ASSERT_EQ(r.subscriptions.size(), 2U);
  EXPECT_TRUE(r.subscriptions[0].subscribe);
  EXPECT_FALSE(r.subscriptions[1].subscribe);
}

TEST(Hostile, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "x: " + std::string(5000, '(') + "1" + std::string(5000, ')');
  EXPECT_EQ(bare_error(deep).rfind("t.c4m:1:", 0), 0U);
  EXPECT_NE(bare_error(deep).find("parse: nesting too deep"), std::string::npos);
  std::string nested = "x: " + std::string(60, '(') + "1" + std::string(60, ')');
  EXPECT_EQ(attr(bare(nested), "x").i, 1);
  std::string chain = "x: 0";
  for (int n = 0; n < 150; ++n) chain += " + 1";
  EXPECT_EQ(attr(bare(chain), "x").i, 150);
  std::string long_chain = "x: 0";
  for (int n = 0; n < 20000; ++n) long_chain += " + 1";
  EXPECT_NE(bare_error(long_chain).find("parse: nesting too deep"), std::string::npos);
  std::string calls = "func f0() { return 0 }\n";
  for (int n = 1; n < 100; ++n)
    calls += "func f" + std::to_string(n) + "() { return f" + std::to_string(n - 1) + "() + 1 }\n";
  EXPECT_NE(bare_error(calls + "x: f99()").find("runtime: Function calls nest too deep (over 64)"),
            std::string::npos);
  std::string untyped = "func g0(a) { return a }\n";
  for (int n = 1; n < 100; ++n)
    untyped += "func g" + std::to_string(n) + "(a) { return g" + std::to_string(n - 1) + "(a) + 1 }\n";
  EXPECT_NE(bare_error(untyped + "x: g99(0)").find("check: Function calls nest too deep (over 64)"),
            std::string::npos);
  EXPECT_EQ(attr(bare(calls.substr(0, calls.find("func f30(")) + "x: f29()"), "x").i, 29);
  std::string blocks;
  for (int n = 0; n < 3000; ++n) blocks += "if true { ";
  EXPECT_NE(bare_error(blocks).find("nesting too deep"), std::string::npos);
}

}  // namespace
}  // namespace chalk::config::test
