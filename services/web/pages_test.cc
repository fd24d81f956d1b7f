#include "services/web/pages.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/reflection.h"
#include "absl/strings/str_cat.h"

namespace piao::web {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A string no page may ever emit as is: it would open an element, close an attribute or start an entity.
constexpr char kHostile[] = "<x-evil a=\"1\" b='2'>&amp;</x-evil>";

// Every string field of `m` (nested messages too, one element of every repeated field and map) set to
// kHostile; in each oneof only the member of index `pick` (or the last one) is set.
void FillStrings(google::protobuf::Message* m, int pick, int depth = 0) {
  if (depth > 6) return;
  const google::protobuf::Descriptor* d = m->GetDescriptor();
  const google::protobuf::Reflection* r = m->GetReflection();
  if (d->full_name() == "google.protobuf.Any" || d->full_name() == "google.protobuf.Timestamp") return;
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    if (const google::protobuf::OneofDescriptor* o = f->real_containing_oneof(); o != nullptr) {
      if (f->index_in_oneof() != std::min(pick, o->field_count() - 1)) continue;
    }
    if (f->is_repeated()) {
      if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
        r->AddString(m, f, kHostile);
      } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        FillStrings(r->AddMessage(m, f), pick, depth + 1);
      }
      continue;
    }
    if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      r->SetString(m, f, kHostile);
    } else if (f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      FillStrings(r->MutableMessage(m, f), pick, depth + 1);
    }
  }
}

Frame HostileFrame() {
  Frame f;
  f.title = kHostile;
  f.section = "albero";
  f.principal = kHostile;
  f.csrf = kHostile;
  f.administration = kHostile;
  f.year = 2022;
  return f;
}

void ExpectNoRawHostile(const std::string& html, const std::string& what) {
  EXPECT_THAT(html, Not(HasSubstr("<x-evil"))) << what;
  EXPECT_THAT(html, Not(HasSubstr("a=\"1\" b="))) << what;
  EXPECT_THAT(html, Not(HasSubstr("b='2'"))) << what;
  EXPECT_THAT(html, HasSubstr("&lt;x-evil")) << what << ": the hostile text is shown, escaped";
}

TEST(HtmlEscapeTest, EscapesMarkupQuotesAndInvalidUtf8) {
  EXPECT_EQ(HtmlEscape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(HtmlEscape("perché €"), "perché €");
  EXPECT_EQ(HtmlEscape(std::string("a\xC0\xAF" "b", 4)), "a\xEF\xBF\xBD\xEF\xBF\xBD" "b");  // overlong '/'
  EXPECT_EQ(HtmlEscape(std::string("\xE2\x82", 2)), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut sequence
  EXPECT_EQ(HtmlEscape(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");
}

// The security test of the renderers: every string any service answer carries, and every string of the
// request (administration, filters, the principal), comes out escaped on every page.
TEST(PagesEscapingTest, EveryStringOfEveryAnswerIsEscapedOnEveryPage) {
  for (int pick = 0; pick < 8; ++pick) {
    SCOPED_TRACE(pick);
    const Frame f = HostileFrame();
    v1::ScoresView revised, approved;
    FillStrings(&revised, pick);
    FillStrings(&approved, pick);
    revised.mutable_objectives(0)->set_level_kind(v1::OBJECTIVE_LEVEL_STRATEGIC);
    *revised.add_objectives() = revised.objectives(0);
    revised.mutable_objectives(1)->set_level_kind(v1::OBJECTIVE_LEVEL_OPERATIONAL);  // a child: parent == code? no: kept apart
    ExpectNoRawHostile(TreeBody(f, TreeQuery{kHostile, kHostile}, revised, approved), "tree");
    ExpectNoRawHostile(RenderPage(f, ""), "layout");

    v1::IndicatorHistory history;
    v1::Lineage lineage;
    FillStrings(&history, pick);
    FillStrings(&lineage, pick);
    IndicatorQuery iq{kHostile, kHostile, kHostile, kHostile};
    ExpectNoRawHostile(IndicatorBody(f, iq, history, &lineage), "indicator");
    lineage.mutable_actual()->clear_computation();
    ExpectNoRawHostile(IndicatorBody(f, iq, history, &lineage), "indicator, typed actual");

    v1::AuditTrail trail;
    FillStrings(&trail, pick);
    trail.set_pages(2);
    trail.set_page(1);
    AuditQuery aq;
    aq.actor = aq.from = aq.to = aq.objective = aq.indicator = aq.process = aq.valid_from = aq.valid_to = kHostile;
    aq.services = {kHostile};
    aq.changes = {kHostile};
    aq.searched = true;
    ExpectNoRawHostile(AuditBody(f, aq, trail), "audit");

    v1::RiskMap map;
    v1::RiskReport report;
    FillStrings(&map, pick);
    FillStrings(&report, pick);
    ExpectNoRawHostile(RiskBody(f, kHostile, map, report), "risk");
    v1::ProcessHistory process;
    FillStrings(&process, pick);
    ExpectNoRawHostile(ProcessBody(f, process), "process");

    v1::HrSummary hr;
    FillStrings(&hr, pick);
    ExpectNoRawHostile(HrBody(f, kHostile, hr), "hr");
    ExpectNoRawHostile(HomeBody(f), "home");
    v1::OivStatus oiv;
    FillStrings(&oiv, pick);
    ExpectNoRawHostile(OivBody(f, oiv, OivForms{kHostile, kHostile, kHostile, kHostile}), "oiv");
    ExpectNoRawHostile(ErrorBody(kHostile, kHostile), "error");
  }
  ExpectNoRawHostile(RenderLoginPage(kHostile, kHostile), "login");
}

TEST(QueryHrefTest, EncodesEveryValueAndEscapesTheAmpersand) {
  EXPECT_EQ(QueryHref({{"amm", "CCIAA-TO"}, {"anno", "2022"}}), "?amm=CCIAA-TO&amp;anno=2022");
  EXPECT_EQ(QueryHref({{"a", "x\"><script>"}, {"b", ""}}), "?a=x%22%3E%3Cscript%3E");
  EXPECT_EQ(QueryHref({{"a", "è &="}}), "?a=%C3%A8%20%26%3D");
  EXPECT_EQ(QueryHref({{"a", ""}}), "");
}

TEST(CsvFieldTest, QuotesAndDefusesFormulas) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvField("line\nbreak"), "\"line\nbreak\"");
  EXPECT_EQ(CsvField("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  EXPECT_EQ(CsvField("+1"), "'+1");
  EXPECT_EQ(CsvField("-1"), "'-1");
  EXPECT_EQ(CsvField("@cmd"), "'@cmd");
}

TEST(NumbersTest, ItalianForms) {
  EXPECT_EQ(ItalianNumber(1234567.891, 2), "1.234.567,89");
  EXPECT_EQ(ItalianNumber(0, 0), "0");
  EXPECT_EQ(ItalianNumber(-12.5, 1), "-12,5");
  EXPECT_EQ(ItalianNumber(-0.001, 2), "0,00");
  EXPECT_EQ(Percent(92.5), "92,50 %");
  EXPECT_EQ(Euro(123456789), "€ 1.234.567,89");
  EXPECT_EQ(Euro(-5), "€ -0,05");
}

TEST(ValuesTest, TypedValuesInItalian) {
  v1::Target t;
  t.mutable_comparison()->set_op(">=");
  t.mutable_comparison()->set_value(85);
  t.mutable_comparison()->set_unit("%");
  EXPECT_EQ(TargetText(t), "≥ 85 %");
  t.set_by_date("2022-06-30");
  EXPECT_EQ(TargetText(t), "entro il 2022-06-30");
  EXPECT_EQ(TargetText(v1::Target()), "—");
  v1::Threshold th;
  th.mutable_quantity()->set_value(9.5);
  th.mutable_quantity()->set_unit("%");
  th.set_implied(true);
  EXPECT_EQ(ThresholdText(th), "9,5 % <small>(implicita)</small>");
  EXPECT_EQ(ChangeName(v1::AUDIT_CHANGE_ACTUAL_CORRECTED), "actual-corrected");
  EXPECT_EQ(ChangeFromName("actual-corrected"), v1::AUDIT_CHANGE_ACTUAL_CORRECTED);
  EXPECT_EQ(ChangeFromName("unspecified"), v1::AUDIT_CHANGE_UNSPECIFIED);
  EXPECT_EQ(ChangeFromName("nope"), v1::AUDIT_CHANGE_UNSPECIFIED);
}

v1::ObjectiveScore Objective(v1::ObjectiveLevel level, const std::string& code, const std::string& parent, double score,
                             v1::AchievementBand band) {
  v1::ObjectiveScore o;
  o.set_level_kind(level);
  o.set_code(code);
  o.set_parent(parent);
  o.set_title("Titolo " + code);
  o.set_strategic_area("Area 1");
  o.set_score_pct(score);
  o.set_band(band);
  return o;
}

TEST(TreeBodyTest, NestsChildrenUnderTheirStrategicObjectiveAndShowsBothBases) {
  Frame f;
  f.administration = "CCIAA-TO";
  f.year = 2022;
  v1::ScoresView revised, approved;
  *revised.add_objectives() = Objective(v1::OBJECTIVE_LEVEL_STRATEGIC, "OS01", "", 100, v1::ACHIEVEMENT_BAND_MET);
  v1::ObjectiveScore op = Objective(v1::OBJECTIVE_LEVEL_OPERATIONAL, "OP1", "OS01", 50, v1::ACHIEVEMENT_BAND_PARTLY);
  op.set_unit("Area Anagrafe");
  v1::IndicatorScore* i = op.add_indicators();
  i->set_code("kpi1");
  i->set_name("Tempi");
  i->mutable_target()->mutable_comparison()->set_op("<=");
  i->mutable_target()->mutable_comparison()->set_value(5);
  i->mutable_target()->mutable_comparison()->set_unit("gg");
  *revised.add_objectives() = op;
  *approved.add_objectives() = Objective(v1::OBJECTIVE_LEVEL_STRATEGIC, "OS01", "", 80, v1::ACHIEVEMENT_BAND_PARTLY);
  v1::ObjectiveScore op_a = op;
  op_a.mutable_indicators(0)->mutable_target()->mutable_comparison()->set_value(7);
  *approved.add_objectives() = op_a;
  const std::string html = TreeBody(f, {}, revised, approved);
  const size_t os = html.find("<span class=\"code\">OS01</span>");
  const size_t op_pos = html.find("<span class=\"code\">OP1</span>");
  ASSERT_NE(os, std::string::npos);
  ASSERT_NE(op_pos, std::string::npos);
  EXPECT_LT(os, op_pos);
  EXPECT_THAT(html.substr(os, op_pos - os), HasSubstr("Obiettivi operativi"));
  EXPECT_THAT(html, HasSubstr("100,00 %"));  // revised
  EXPECT_THAT(html, HasSubstr("80,00 %"));   // approved, side by side
  EXPECT_THAT(html, HasSubstr("≤ 7 gg"));    // the approved target beside
  EXPECT_THAT(html, HasSubstr("≤ 5 gg"));    // the revised one
  EXPECT_THAT(html, HasSubstr("/indicatore?amm=CCIAA-TO&amp;anno=2022&amp;obiettivo=OP1&amp;livello=operational&amp;"
                              "ambito=Area%20Anagrafe&amp;codice=kpi1"));
  EXPECT_THAT(html, HasSubstr("details class=\"objective level-operational band-partly\""));
  EXPECT_THAT(html, HasSubstr("<svg role=\"img\""));
}

TEST(OivBodyTest, ShowsTheValidationInForceItsHistoryAndEveryFormWithItsKeyAndCsrf) {
  Frame f;
  f.administration = "CCIAA-TO";
  f.year = 2022;
  f.csrf = "c5rf";
  v1::OivStatus st;
  v1::RecordedValidation* first = st.add_validations();
  first->mutable_validation()->set_outcome(v1::VALIDATION_OUTCOME_NOT_VALIDATED);
  first->mutable_validation()->set_number(1);
  first->mutable_record()->set_superseded(true);
  v1::RecordedValidation* second = st.add_validations();
  second->mutable_validation()->set_outcome(v1::VALIDATION_OUTCOME_VALIDATED_WITH_REMARKS);
  second->mutable_validation()->set_number(2);
  second->mutable_validation()->set_supersedes(1);
  v1::ObjectiveRemark* remark = second->mutable_validation()->add_remarks();
  remark->set_objective("OS01.1.1");
  remark->set_remark("Indicatore da rivedere");
  *st.mutable_validation() = *second;
  const std::string html = OivBody(f, st, OivForms{"web:k1", "web:k2", "web:k3", ""});
  EXPECT_THAT(html, HasSubstr("<strong>Validata con osservazioni</strong>"));
  EXPECT_THAT(html, HasSubstr("(sostituisce la 1)"));
  EXPECT_THAT(html, HasSubstr("Non validata"));
  EXPECT_THAT(html, HasSubstr("sostituito"));
  EXPECT_THAT(html, HasSubstr("<strong>OS01.1.1</strong>: Indicatore da rivedere"));
  for (const char* action : {"/oiv/validazione", "/oiv/monitoraggio", "/oiv/attestazione"}) {
    const size_t at = html.find(absl::StrCat("action=\"", action, "\""));
    ASSERT_NE(at, std::string::npos) << action;
    const size_t end = html.find("</form>", at);
    EXPECT_NE(html.substr(at, end - at).find("name=\"csrf\" value=\"c5rf\""), std::string::npos) << action;
  }
  EXPECT_THAT(html, HasSubstr("name=\"chiave\" value=\"web:k1\""));
  EXPECT_THAT(html, HasSubstr("name=\"chiave\" value=\"web:k3\""));
}

TEST(AuditCsvTest, OneRowPerEntryWithPlainValues) {
  v1::AuditTrail trail;
  v1::AuditEntry* e = trail.add_entries();
  e->set_source_service(v1::SOURCE_SERVICE_PLANNING);
  e->set_change(v1::AUDIT_CHANGE_THRESHOLD);
  e->mutable_objective()->set_code("OS01.1.1");
  e->set_indicator("kpi1.1.1_03");
  e->mutable_from_value()->mutable_threshold()->mutable_quantity()->set_value(9);
  e->mutable_from_value()->mutable_threshold()->mutable_quantity()->set_unit("%");
  e->mutable_to_value()->mutable_threshold()->mutable_quantity()->set_value(10);
  e->mutable_to_value()->mutable_threshold()->mutable_quantity()->set_unit("%");
  e->mutable_act()->set_text("Deliberazione di Giunta n. 142 del 13/09/2022");
  e->set_actor("user:local-operator");
  e->set_reason("revisione, \"intermedia\"");
  e->set_global_position(7);
  const std::string csv = AuditCsv(trail);
  EXPECT_THAT(csv, HasSubstr("registrato_il,in_vigore_dal,servizio,modifica,"));
  EXPECT_THAT(csv, HasSubstr(",planning,threshold,OS01.1.1,,,kpi1.1.1_03,,,9 %,10 %,"
                             "Deliberazione di Giunta n. 142 del 13/09/2022,user:local-operator,"
                             "\"revisione, \"\"intermedia\"\"\",7\r\n"));
}

}  // namespace
}  // namespace piao::web
