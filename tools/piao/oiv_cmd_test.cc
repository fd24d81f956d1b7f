// The pure parts of `piao oiv` and `piao deviation`: flags to requests, the grid file, the status JSON.
#include "tools/piao/oiv_cmd.h"

#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tools/piao/cli_app.h"

namespace piao::cli {
namespace {

using ::testing::HasSubstr;

TEST(OivCmdTest, OutcomesAreTheContractsWords) {
  EXPECT_EQ(*ParseOutcomeFlag("validated"), v1::VALIDATION_OUTCOME_VALIDATED);
  EXPECT_EQ(*ParseOutcomeFlag("validated-with-remarks"), v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS);
  EXPECT_EQ(*ParseOutcomeFlag("not-validated"), v1::VALIDATION_OUTCOME_NOT_VALIDATED);
  EXPECT_THAT(ParseOutcomeFlag("validated_with_remarks").status().message(), HasSubstr("--outcome"));
  EXPECT_EQ(OutcomeName(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS), "validated-with-remarks");
}

TEST(OivCmdTest, RemarksAreObjectiveEqualsText) {
  auto r = ParseRemarkFlags({"OS01.1.1=manca la causa di EC07", " OP1.1.1-01 = ok = quasi"}, "--remark", false);
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].objective(), "OS01.1.1");
  EXPECT_EQ((*r)[0].remark(), "manca la causa di EC07");
  EXPECT_EQ((*r)[1].objective(), "OP1.1.1-01");
  EXPECT_EQ((*r)[1].remark(), "ok = quasi");
  auto about = ParseRemarkFlags({"OS01.1.1=x"}, "--deviation-remark", true);
  ASSERT_TRUE(about.ok());
  EXPECT_TRUE((*about)[0].about_deviation());
  for (const char* bad : {"OS01.1.1", "=text", "OS01.1.1="}) {
    EXPECT_THAT(ParseRemarkFlags({bad}, "--remark", false).status().message(), HasSubstr("--remark")) << bad;
  }
}

TEST(OivCmdTest, TheDocumentIsItsNameAndSha256) {
  v1::DocumentRef d = DocumentOf("/tmp/x/relazione-2022.pdf", "abc");
  EXPECT_EQ(d.reference(), "relazione-2022.pdf");
  EXPECT_EQ(d.sha256(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(OivCmdTest, TheGridIsStrictJson) {
  const std::string good = R"({"date": "2023-05-31", "survey_date": "2023-05-15", "notes": "rilevazione ANAC",
    "obligations": [{"obligation": "Consulenti e collaboratori", "section": "Consulenti", "published": true,
                     "completeness": 3, "update": 2, "open_format": 3, "notes": ""}]})";
  auto a = ParseAttestationGrid("grid.json", good);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->obligations(0).update(), 2u);
  EXPECT_EQ(a->survey_date(), "2023-05-15");
  auto dup = ParseAttestationGrid("grid.json", R"({"date": "2023-05-31", "date": "2023-06-01"})");
  EXPECT_THAT(dup.status().message(), HasSubstr("grid.json: date: duplicate key"));
  auto unknown = ParseAttestationGrid("grid.json", R"({"obligations": [{"obligation": "x", "complete": 3}]})");
  EXPECT_THAT(unknown.status().message(), HasSubstr("obligations[0].complete: unknown key"));
  auto numbered = ParseAttestationGrid("grid.json", R"({"number": 4})");
  EXPECT_THAT(numbered.status().message(), HasSubstr("number: unknown key"));
}

TEST(OivCmdTest, TheStatusJsonHasItsStableShape) {
  v1::OivStatus s;
  s.set_administration("CCIAA-TO");
  s.set_year(2022);
  v1::RecordedValidation* first = s.add_validations();
  first->mutable_validation()->set_number(1);
  first->mutable_validation()->set_outcome(v1::VALIDATION_OUTCOME_NOT_VALIDATED);
  first->mutable_record()->set_superseded(true);
  v1::RecordedValidation* second = s.add_validations();
  second->mutable_validation()->set_number(2);
  second->mutable_validation()->set_supersedes(1);
  second->mutable_validation()->set_outcome(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS);
  second->mutable_validation()->set_motivation("m");
  v1::ObjectiveRemark* r = second->mutable_validation()->add_remarks();
  r->set_objective("OS01.1.1");
  r->set_remark("x");
  second->mutable_record()->set_actor("user:oiv");
  *s.mutable_validation() = *second;
  const nlohmann::json j = OivStatusToJson(s);
  EXPECT_EQ(j["validation"]["outcome"], "validated-with-remarks");
  EXPECT_EQ(j["validation"]["remarks"][0]["objective"], "OS01.1.1");
  EXPECT_TRUE(j["validation"]["remarks"][0]["deviation_version"].is_null());
  EXPECT_EQ(j["validation"]["supersedes"], 1);
  EXPECT_EQ(j["validation"]["actor"], "user:oiv");
  EXPECT_TRUE(j["validation"]["document"].is_null());
  EXPECT_EQ(j["validations"].size(), 2u);
  EXPECT_EQ(j["validations"][0]["superseded"], true);
  EXPECT_TRUE(j["attestation"].is_null());
  EXPECT_TRUE(j["sg_proposal"].is_null());
  EXPECT_TRUE(j["deviations"].is_array());
  EXPECT_TRUE(j["as_of"].is_null());
  const std::string text = RenderOivStatus(s);
  EXPECT_THAT(text, HasSubstr("Relazione: validated-with-remarks"));
  EXPECT_THAT(text, HasSubstr("remark on OS01.1.1: x"));
  EXPECT_THAT(text, HasSubstr("superseded: validation 1"));
}

TEST(OivCmdTest, TheCommandLineKeepsEveryRemark) {
  Commands c;
  auto app = MakeApp(c);
  const char* argv[] = {"piao", "oiv", "validate", "--year", "2022", "--outcome", "validated-with-remarks",
                        "--motivation", "conforme", "--remark", "OS01.1.1=a", "--remark", "OS02.1.1=b",
                        "--deviation-remark", "OS03.1.1=c"};
  std::ostringstream out, err;
  EXPECT_EQ(ParseCommandLine(*app, std::size(argv), argv, out, err), std::nullopt) << err.str();
  EXPECT_EQ(c.command, "oiv validate");
  EXPECT_EQ(c.oiv_validate.remarks, (std::vector<std::string>{"OS01.1.1=a", "OS02.1.1=b"}));
  EXPECT_EQ(c.oiv_validate.deviation_remarks, (std::vector<std::string>{"OS03.1.1=c"}));
  Commands bad;
  auto app2 = MakeApp(bad);
  const char* wrong[] = {"piao", "oiv", "validate", "--year", "2022", "--outcome", "approved"};
  EXPECT_EQ(ParseCommandLine(*app2, std::size(wrong), wrong, out, err), 2);
}

}  // namespace
}  // namespace piao::cli
