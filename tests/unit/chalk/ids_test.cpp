#include "plugin/chalk/ids.hpp"

#include <gtest/gtest.h>

#include "oci/digest.hpp"
#include "plugin/chalk/effects.hpp"
#include "plugin/chalk/host_facts.hpp"
#include "plugin/chalk/mark.hpp"

namespace chalk {
namespace {

std::string from_hex(const std::string& hex) {
  std::string bytes;
  for (std::size_t i = 0; i < hex.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return bytes;
}

const char* k_vector_mark =
    R"({"MAGIC":"dadfedabbadabbed","CHALK_ID":"64V66C-V36G-TK8D-HJCSHK","CHALK_VERSION":"0.1.0","TIMESTAMP_WHEN_CHALKED":1695487471882,"DOCKER_TAGS":["app:1"],"DOCKER_LABELS":{"b":"2","a":"1"},"_X":true,"N":null})";

TEST(IdFormat, MatchesTheVectorsOfReportsMd) {
  EXPECT_EQ(id_format("16c3c45462fc89d7fcc84c3749cb0900bdd1052f760ebd7cea1ab3956ad7326f"),
            "64V66C-V36G-TK8D-HJCSHK");
  EXPECT_EQ(id_format(from_hex("f2a1fc1300e98d61674f6a06144125901134f6c34748a8b6b5aa37bf9d911ef0")),
            "YAGZR4-R0X6-6P2S-TFD831");
}

TEST(IdFormat, RandomIdsHaveTheShape) {
  const Effects effects = process_effects();
  const std::string id = random_chalk_id(effects.random);
  ASSERT_EQ(id.size(), 23u);
  EXPECT_EQ(id[6], '-');
  EXPECT_EQ(id[11], '-');
  EXPECT_EQ(id[16], '-');
  EXPECT_EQ(id.find_first_of("ILOU"), std::string::npos);
  EXPECT_NE(random_chalk_id(effects.random), id);
  const std::string rand = random_chalk_rand(effects.random);
  EXPECT_FALSE(rand.empty());
  EXPECT_EQ(rand.find_first_not_of("0123456789abcdef"), std::string::npos);
}

TEST(Normalize, MatchesTheVectorOfReportsMd) {
  const auto mark = oci::Json::parse(k_vector_mark);
  const std::string expected = from_hex(
      "050700000001080000004348414c4b5f494401170000003634563636432d563336472d544b38442d484a4353484b010d000000"
      "4348414c4b5f5645"
      "5253494f4e0105000000302e312e30010d000000444f434b45525f4c4142454c53050200000001010000006101010000003101"
      "0100000062010100"
      "000032010b000000444f434b45525f54414753040100000001050000006170703a3101010000004e07011600000054494d4553"
      "54414d505f5748"
      "454e5f4348414c4b4544020ab1edc28a01000001020000005f580301");
  EXPECT_EQ(normalize_mark(mark), expected);
  const auto hashes = mark_hashes(mark);
  EXPECT_EQ(hashes.metadata_hash, "c9fc1e43517bbea87f5600d4cff86bd151a6bc72c1cbe60e4e8152a6c2982898");
  EXPECT_EQ(hashes.metadata_id, "S7Y1WG-THFE-ZAGZ-TP03AC");
}

TEST(Normalize, SkipsOnlyTopLevelReservedKeys) {
  auto plain = oci::Json::parse(R"({"A":1})");
  auto with_reserved =
      oci::Json::parse(R"({"A":1,"MAGIC":"x","METADATA_ID":"y","METADATA_HASH":"z","SIGNATURE":"s"})");
  EXPECT_EQ(normalize_mark(plain), normalize_mark(with_reserved));
  auto nested = oci::Json::parse(R"({"A":{"MAGIC":"x"}})");
  EXPECT_NE(normalize_mark(nested), normalize_mark(oci::Json::parse(R"({"A":{}})")));
  EXPECT_EQ(normalize_mark(oci::Json::parse(R"({"F":1.5})")).back(), '\x06') << "floats: tag, no payload";
}

TEST(Mark, SealOrdersKeysAndValidates) {
  oci::Json fields = oci::Json::parse(k_vector_mark);
  fields.erase("MAGIC");
  const auto sealed = seal_mark(fields);
  EXPECT_EQ(sealed["METADATA_ID"], "S7Y1WG-THFE-ZAGZ-TP03AC");
  std::vector<std::string> keys;
  for (const auto& item : sealed.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"MAGIC", "CHALK_ID", "CHALK_VERSION", "TIMESTAMP_WHEN_CHALKED",
                                            "DOCKER_LABELS", "DOCKER_TAGS", "N", "_X", "METADATA_ID"}));
  EXPECT_EQ(sealed["DOCKER_LABELS"].begin().key(), "a") << "nested keys sorted";
  const std::string text = serialize_mark(sealed);
  EXPECT_EQ(text.rfind("{\"MAGIC\":\"dadfedabbadabbed\",", 0), 0u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1);
  EXPECT_TRUE(check_mark(sealed).valid);

  auto tampered = sealed;
  tampered["CHALK_ID"] = "000000-0000-0000-000000";
  const auto check = check_mark(tampered);
  EXPECT_FALSE(check.valid);
  EXPECT_NE(check.problem.find("does not match"), std::string::npos);
}

TEST(Mark, ParseAcceptsOnlyChalkMarks) {
  EXPECT_TRUE(parse_mark(R"({ "MAGIC" : "dadfedabbadabbed", "X": 1 })"));
  EXPECT_FALSE(parse_mark(R"({"MAGIC":"nope"})"));
  EXPECT_FALSE(parse_mark("[1]"));
  EXPECT_FALSE(parse_mark("not json"));
}

TEST(FixedEffects, TheSameSeedGivesTheSameStreamAndAnotherSeedAnother) {
  Effects first = fixed_effects(1695487471882, "seed");
  Effects again = fixed_effects(1695487471882, "seed");
  Effects other = fixed_effects(1695487471882, "other");
  EXPECT_EQ(first.now_ms(), 1695487471882);
  const std::string id = random_chalk_id(first.random);
  EXPECT_EQ(random_chalk_id(again.random), id);
  EXPECT_NE(random_chalk_id(other.random), id);
  EXPECT_NE(random_chalk_id(first.random), id) << "each call continues the stream";
}

TEST(SourceDateEpoch, IsAPositiveIntegerOrZero) {
  EXPECT_EQ(source_date_epoch({{"SOURCE_DATE_EPOCH", "1695487471"}}), 1695487471);
  EXPECT_EQ(source_date_epoch({}), 0);
  EXPECT_EQ(source_date_epoch({{"SOURCE_DATE_EPOCH", ""}}), 0);
  EXPECT_EQ(source_date_epoch({{"SOURCE_DATE_EPOCH", "12x"}}), 0);
  EXPECT_EQ(source_date_epoch({{"SOURCE_DATE_EPOCH", "-5"}}), 0);
}

}  // namespace
}  // namespace chalk
