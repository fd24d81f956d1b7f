#include "libs/feed/feed.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace piao::feed {
namespace {

using ::testing::HasSubstr;

const char kMapping[] =
    "item_code,variable,unit\n"
    "CE06,proventi_correnti,M€\n"
    "CE13,oneri_correnti,M€\n";

Mapping TestMapping() {
  auto m = ParseMapping(kMapping, "map.csv");
  EXPECT_TRUE(m.ok()) << m.status();
  return *m;
}

TEST(FeedTest, AccountingBatch) {
  const Mapping m = TestMapping();
  ParseOptions o;
  o.file = "dir/acc.csv";
  o.mapping = &m;
  o.mapping_bytes = kMapping;
  const std::string csv =
      "\xEF\xBB\xBFitem_code,label,year,amount\r\n"
      "CE06,Proventi correnti,2021,38.21\r\n"
      "\r\n"
      "CE13,\"Oneri correnti, totale\",2021,-48.42\r\n";
  auto b = ParseBatch(Kind::kAccounting, csv, o);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->batch_id, "acc.csv");
  EXPECT_EQ(b->source, "acc.csv");
  EXPECT_EQ(b->checksum.size(), 64u);
  ASSERT_EQ(b->rows.size(), 2u);
  EXPECT_EQ(b->rows[0].line, 2);
  EXPECT_EQ(b->rows[0].variable, "proventi_correnti");
  EXPECT_EQ(b->rows[0].period, "2021");
  EXPECT_EQ(b->rows[0].value, 38.21);
  EXPECT_EQ(b->rows[0].unit, "M€");
  EXPECT_EQ(b->rows[0].source_code, "CE06");
  EXPECT_EQ(b->rows[1].line, 4);
  EXPECT_EQ(b->rows[1].label, "Oneri correnti, totale");
  EXPECT_EQ(b->rows[1].value, -48.42);
  EXPECT_EQ(CountVariables(*b), 2u);

  // The checksum covers the file and the mapping; the batch id can be given.
  o.batch_id = "bilancio-2021";
  auto same = ParseBatch(Kind::kAccounting, csv, o);
  EXPECT_EQ(same->checksum, b->checksum);
  EXPECT_EQ(same->batch_id, "bilancio-2021");
  o.mapping_bytes = "other";
  EXPECT_NE(ParseBatch(Kind::kAccounting, csv, o)->checksum, b->checksum);
}

TEST(FeedTest, AccountingErrorsListRowAndColumn) {
  const Mapping m = TestMapping();
  ParseOptions o;
  o.file = "acc.csv";
  o.mapping = &m;
  const std::string csv =
      "item_code,label,year,amount\n"
      "CE06,Proventi correnti,2021,38.21\n"
      "XX99,Unknown,2021,1\n"
      "CE13,Oneri correnti,21,48.42\n"
      "CE13,Oneri correnti,2020,\"3.000,00\"\n"
      "CE06,Proventi correnti,2021,38.21\n"
      "CE13,Oneri correnti,2019,\n";
  auto b = ParseBatch(Kind::kAccounting, csv, o);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(b.status().message());
  EXPECT_THAT(msg, HasSubstr("acc.csv: 5 errors, nothing imported"));
  EXPECT_THAT(msg, HasSubstr("acc.csv:3:1 (item_code): unknown item code 'XX99' (not in the mapping)"));
  EXPECT_THAT(msg, HasSubstr("acc.csv:4:3 (year): '21' is not a year YYYY"));
  EXPECT_THAT(msg, HasSubstr("acc.csv:5:4 (amount): '3.000,00' is not a number"));
  EXPECT_THAT(msg, HasSubstr("acc.csv:6:1 (item_code): proventi_correnti for 2021 is already given at row 2"));
  EXPECT_THAT(msg, HasSubstr("acc.csv:7:4 (amount): a number is required"));
}

TEST(FeedTest, AccountingNeedsMappingAndColumns) {
  ParseOptions o;
  EXPECT_THAT(std::string(ParseBatch(Kind::kAccounting, "item_code,label,year,amount\n", o).status().message()),
              HasSubstr("needs a mapping"));
  const Mapping m = TestMapping();
  o.mapping = &m;
  o.file = "acc.csv";
  auto b = ParseBatch(Kind::kAccounting, "item_code,label,anno,amount\nCE06,x,2021,1\n", o);
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("acc.csv:1:1 (year): missing column 'year'"));
  EXPECT_THAT(std::string(ParseBatch(Kind::kAccounting, "item_code,label,year,amount\n", o).status().message()),
              HasSubstr("no data rows"));
  EXPECT_FALSE(ParseBatch(Kind::kAccounting, "", o).ok());
}

TEST(FeedTest, InfocamereBatch) {
  ParseOptions o;
  o.file = "ic.csv";
  const std::string csv =
      "period,variable,value,unit,extraction_id\n"
      "2022,imprese_registrate,222557,N.,IC-2023-01\n"
      "2022-06-30,giorni_evasione,3.5,gg,IC-2023-01\n";
  auto b = ParseBatch(Kind::kInfocamere, csv, o);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->batch_id, "IC-2023-01");  // the extraction all rows share
  ASSERT_EQ(b->rows.size(), 2u);
  EXPECT_EQ(b->rows[1].period, "2022-06-30");
  EXPECT_EQ(b->rows[1].unit, "gg");
  EXPECT_EQ(b->rows[1].extraction_id, "IC-2023-01");

  const std::string bad =
      "period,variable,value,unit,extraction_id\n"
      "2022-02-30,imprese,1,N.,E1\n"
      "2022,1imprese,1,N.,E1\n"
      "2022,imprese,1,pezzi,E1\n"
      "2022,giorni,abc,gg,\n";
  auto e = ParseBatch(Kind::kInfocamere, bad, o);
  ASSERT_FALSE(e.ok());
  const std::string msg(e.status().message());
  EXPECT_THAT(msg, HasSubstr("ic.csv:2:1 (period): '2022-02-30' is not a year YYYY or a real date"));
  EXPECT_THAT(msg, HasSubstr("ic.csv:3:2 (variable): '1imprese' is not a variable name"));
  EXPECT_THAT(msg, HasSubstr("ic.csv:4:4 (unit): unknown unit 'pezzi'"));
  EXPECT_THAT(msg, HasSubstr("ic.csv:5:3 (value): 'abc' is not a number"));
  EXPECT_THAT(msg, HasSubstr("ic.csv:5:5 (extraction_id): must not be empty"));

  // With a mapping, codes must be known and units must match it.
  auto m = ParseMapping("variable_code,variable,unit\nNIMP,imprese_registrate,N.\n", "icmap.csv");
  ASSERT_TRUE(m.ok()) << m.status();
  o.mapping = &*m;
  auto mapped = ParseBatch(Kind::kInfocamere,
                           "period,variable,value,unit,extraction_id\n2022,NIMP,5,N.,E1\n2022,NIMP2,5,N.,E1\n"
                           "2021,NIMP,5,%,E1\n",
                           o);
  ASSERT_FALSE(mapped.ok());
  EXPECT_THAT(std::string(mapped.status().message()), HasSubstr("ic.csv:3:2 (variable): unknown variable code 'NIMP2'"));
  EXPECT_THAT(std::string(mapped.status().message()),
              HasSubstr("ic.csv:4:4 (unit): '%' but the mapping gives NIMP the unit 'N.'"));
}

TEST(FeedTest, MappingErrors) {
  auto m = ParseMapping("item_code,variable,unit\nA,x,M€\nA,y,M€\nB,x,M€\nC,9bad,M€\nD,z,lire\n", "m.csv");
  ASSERT_FALSE(m.ok());
  const std::string msg(m.status().message());
  EXPECT_THAT(msg, HasSubstr("m.csv:3:1 (item_code): 'A' is mapped twice"));
  EXPECT_THAT(msg, HasSubstr("m.csv:4:2 (variable): 'x' is the target of two codes"));
  EXPECT_THAT(msg, HasSubstr("m.csv:5:2 (variable): '9bad' is not a variable name"));
  EXPECT_THAT(msg, HasSubstr("m.csv:6:3 (unit): unknown unit 'lire'"));
}

// A header naming a column twice is refused, as a duplicate key is in the JSON files: which one would count?
TEST(FeedTest, AColumnGivenTwiceIsRefused) {
  auto m = ParseMapping("item_code,variable,unit,code\nCE01,a,M€,CE02\n", "map.csv");
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(std::string(m.status().message()), HasSubstr("map.csv:1:4 (code): column given twice (also column 1)"));
  auto good = ParseMapping("item_code,variable,unit\nCE01,a,M€\n", "map.csv");
  ASSERT_TRUE(good.ok()) << good.status();
  ParseOptions o;
  o.file = "acc.csv";
  o.mapping = &*good;
  auto b = ParseBatch(Kind::kAccounting, "item_code,label,year,amount,Amount\nCE01,l,2021,1,2\n", o);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("acc.csv:1:5 (amount): column given twice (also column 4)"));
  auto ic = ParseBatch(Kind::kInfocamere,
                       "period,variable,value,unit,extraction_id,variable_code\n2022,imprese,1,N.,E1,x\n", o);
  ASSERT_FALSE(ic.ok());
  EXPECT_THAT(std::string(ic.status().message()), HasSubstr("acc.csv:1:6 (variable): column given twice"));
}

TEST(FeedTest, CsvEdgeCases) {
  auto r = ParseCsv("a,\"b \"\"q\"\"\nline\",c\nd", "f");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].cells[1], "b \"q\"\nline");
  EXPECT_EQ((*r)[1].line, 3);
  EXPECT_EQ((*r)[1].cells[0], "d");
  EXPECT_THAT(std::string(ParseCsv("a,\"open\n", "f").status().message()), HasSubstr("f:1: unterminated"));
  EXPECT_FALSE(ParseCsv(std::string("a\0b", 3), "f").ok());
}

TEST(FeedTest, ManyErrorsAreCapped) {
  const Mapping m = TestMapping();
  ParseOptions o;
  o.file = "acc.csv";
  o.mapping = &m;
  std::string csv = "item_code,label,year,amount\n";
  for (int i = 0; i < 80; ++i) csv += "XX,l,2021,1\n";
  auto b = ParseBatch(Kind::kAccounting, csv, o);
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("80 errors"));
  EXPECT_THAT(std::string(b.status().message()), HasSubstr("... and 30 more"));
}

}  // namespace
}  // namespace piao::feed
