#include "libs/risk/banding.h"

#include <cmath>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "libs/risk/test_schemes.h"

namespace piao::risk {
namespace {

using ::testing::HasSubstr;

struct BandCase {
  double score;
  const char* level;
  uint32_t severity;
};

// Every boundary the issue lists, on both sides of each edge.
TEST(BandingTest, FourBandsAreasABCH) {
  const v1::BandingScheme s = testing::FourBands();
  ASSERT_TRUE(ValidateScheme(s).ok());
  const BandCase cases[] = {
      {1, "Rischio basso", 1},          {4, "Rischio basso", 1},        {4.0001, "Rischio medio", 2},
      {4.01, "Rischio medio", 2},       {9, "Rischio medio", 2},        {9.001, "Rischio medio alto", 3},
      {9.01, "Rischio medio alto", 3},  {15, "Rischio medio alto", 3},  {15.01, "Rischio alto", 4},
      {25, "Rischio alto", 4},
  };
  for (const BandCase& c : cases) {
    absl::StatusOr<Banded> b = BandScore(s, c.score);
    ASSERT_TRUE(b.ok()) << c.score << ": " << b.status();
    EXPECT_EQ(b->level, c.level) << c.score;
    EXPECT_EQ(b->severity, c.severity) << c.score;
  }
}

TEST(BandingTest, ThreeBandsAreasDEG) {
  const v1::BandingScheme s = testing::ThreeBands();
  ASSERT_TRUE(ValidateScheme(s).ok());
  const BandCase cases[] = {
      {1, "rischio basso", 1},   {4, "rischio basso", 1},    {4.0001, "rischio basso", 1}, {9.01, "rischio basso", 1},
      {10, "rischio basso", 1},  {10.05, "rischio medio", 2}, {10.1, "rischio medio", 2},  {15.01, "rischio medio", 2},
      {17, "rischio medio", 2},  {17.05, "rischio alto", 4}, {17.1, "rischio alto", 4},    {25, "rischio alto", 4},
  };
  for (const BandCase& c : cases) {
    absl::StatusOr<Banded> b = BandScore(s, c.score);
    ASSERT_TRUE(b.ok()) << c.score << ": " << b.status();
    EXPECT_EQ(b->level, c.level) << c.score;
    EXPECT_EQ(b->severity, c.severity) << c.score;
  }
}

TEST(BandingTest, OutOfRangeIsRefused) {
  for (const v1::BandingScheme& s : {testing::FourBands(), testing::ThreeBands()}) {
    for (double bad : {25.0001, 25.01, 26.0, 0.0, 0.99, -1.0, std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity()}) {
      absl::StatusOr<Banded> b = BandScore(s, bad);
      ASSERT_FALSE(b.ok()) << s.id() << " " << bad;
      EXPECT_EQ(b.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_THAT(b.status().message(), HasSubstr("outside [1, 25]"));
      EXPECT_THAT(b.status().message(), HasSubstr(s.id()));
    }
  }
}

TEST(BandingTest, ValidateSchemeNamesTheField) {
  struct Case {
    std::function<void(v1::BandingScheme&)> spoil;
    const char* field;
  };
  const Case cases[] = {
      {[](v1::BandingScheme& s) { s.set_id(""); }, "scheme.id"},
      {[](v1::BandingScheme& s) { s.set_id("a@b"); }, "scheme.id"},
      {[](v1::BandingScheme& s) { s.clear_bands(); }, "scheme.bands"},
      {[](v1::BandingScheme& s) { s.mutable_bands(2)->set_upper(8); }, "scheme.bands[2].upper"},
      {[](v1::BandingScheme& s) { s.mutable_bands(1)->set_severity(1); }, "scheme.bands[1].severity"},
      {[](v1::BandingScheme& s) { s.mutable_bands(0)->set_level(""); }, "scheme.bands[0].level"},
      {[](v1::BandingScheme& s) { s.set_min_score(5); }, "scheme.bands[0].upper"},
      {[](v1::BandingScheme& s) { s.set_effective_from("2022-02-30"); }, "scheme.effective_from"},
      {[](v1::BandingScheme& s) { s.add_areas(""); }, "scheme.areas[4]"},
  };
  for (const Case& c : cases) {
    v1::BandingScheme s = testing::FourBands();
    c.spoil(s);
    absl::Status st = ValidateScheme(s);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_THAT(st.message(), HasSubstr(c.field));
  }
}

TEST(BandingTest, QualitativeLevels) {
  const v1::QualitativeMethod m = testing::Pna2019();
  ASSERT_TRUE(ValidateQualitativeMethod(m).ok());
  EXPECT_EQ(OrdinalLevel(m, "alto")->severity, 4u);
  EXPECT_EQ(OrdinalLevel(m, "basso")->severity, 1u);
  absl::StatusOr<Banded> bad = OrdinalLevel(m, "altissimo");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("basso, medio, alto"));
  v1::QualitativeMethod no_indicators = m;
  no_indicators.clear_indicators();
  EXPECT_THAT(ValidateQualitativeMethod(no_indicators).message(), HasSubstr("method.indicators"));
  v1::QualitativeMethod repeated = m;
  repeated.mutable_levels(2)->set_level("basso");
  EXPECT_THAT(ValidateQualitativeMethod(repeated).message(), HasSubstr("method.levels[2].level"));
}

}  // namespace
}  // namespace piao::risk
