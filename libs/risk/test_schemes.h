// Torino 2022's two banding schemes and a PNA 2019 qualitative method, for tests.
#ifndef PIAO_LIBS_RISK_TEST_SCHEMES_H_
#define PIAO_LIBS_RISK_TEST_SCHEMES_H_

#include <string>
#include <vector>

#include "piao/v1/risk.pb.h"

namespace piao::risk::testing {

inline v1::BandingScheme Scheme(const std::string& id, const std::vector<std::pair<std::string, double>>& bands,
                                const std::vector<uint32_t>& severities, const std::vector<std::string>& areas,
                                const std::string& effective_from = "2022-01-01") {
  v1::BandingScheme s;
  s.set_id(id);
  s.set_name(id);
  s.set_min_score(1);
  for (size_t i = 0; i < bands.size(); ++i) {
    v1::RiskBand* b = s.add_bands();
    b->set_level(bands[i].first);
    b->set_upper(bands[i].second);
    b->set_severity(severities[i]);
  }
  for (const std::string& a : areas) s.add_areas(a);
  s.set_effective_from(effective_from);
  return s;
}

// A, B, C, H: fino a 4 basso, da 4,01 a 9 medio, da 9,01 a 15 medio alto, da 15,01 a 25 alto.
inline v1::BandingScheme FourBands() {
  return Scheme("four_bands",
                {{"Rischio basso", 4}, {"Rischio medio", 9}, {"Rischio medio alto", 15}, {"Rischio alto", 25}},
                {1, 2, 3, 4}, {"A", "B", "C", "H"});
}

// D, E, G: fino a 10 basso, da 10,1 a 17 medio, da 17,1 a 25 alto.
inline v1::BandingScheme ThreeBands() {
  return Scheme("three_bands", {{"rischio basso", 10}, {"rischio medio", 17}, {"rischio alto", 25}}, {1, 2, 4},
                {"D", "E", "G"});
}

inline v1::QualitativeMethod Pna2019() {
  v1::QualitativeMethod m;
  m.set_id("pna2019");
  m.set_name("PNA 2019 qualitative");
  for (auto [level, sev] : std::vector<std::pair<std::string, uint32_t>>{{"basso", 1}, {"medio", 2}, {"alto", 4}}) {
    v1::OrdinalLevel* l = m.add_levels();
    l->set_level(level);
    l->set_severity(sev);
  }
  for (const char* k : {"external_interest", "discretion", "past_events", "opacity", "owner_collaboration",
                        "measures_implementation"}) {
    m.add_indicators()->set_code(k);
  }
  m.set_effective_from("2022-01-01");
  return m;
}

}  // namespace piao::risk::testing

#endif  // PIAO_LIBS_RISK_TEST_SCHEMES_H_
