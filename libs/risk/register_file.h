// The commands a risk register file (v1::RiskRegisterFile, docs/RISK_FORMAT.md) stands for, in file order:
// the area catalogue, schemes, qualitative methods, processes, assessments, measures, the monitoring plan,
// monitoring records, owner reports. One list for every reader of the file: the CLI sends them, the risk
// service validates a whole file with them (RiskRegistry.ValidateRegister).
//
//   ForEachRegisterCommand(file, [&](const std::string& what, const std::string& kind, auto request) {
//     ... request is a v1::DefineAreasRequest, v1::DefineSchemeRequest, ... with administration and year set;
//     return absl::OkStatus();   // an error stops the walk and is returned
//   });
// `what` names the item for errors ("processes[3] B.02"), `kind` is a short word for idempotency keys.
#ifndef PIAO_LIBS_RISK_REGISTER_FILE_H_
#define PIAO_LIBS_RISK_REGISTER_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "piao/v1/risk.pb.h"

namespace piao::risk {

template <typename Visit>
absl::Status ForEachRegisterCommand(const v1::RiskRegisterFile& f, Visit&& visit) {
  auto emit = [&](std::string what, const char* kind, auto request) -> absl::Status {
    request.set_administration(f.administration());
    request.set_year(f.year());
    return visit(what, std::string(kind), std::move(request));
  };
  if (f.areas_size() > 0) {
    v1::DefineAreasRequest r;
    *r.mutable_areas() = f.areas();
    if (absl::Status s = emit("areas", "areas", r); !s.ok()) return s;
  }
  for (int i = 0; i < f.schemes_size(); ++i) {
    v1::DefineSchemeRequest r;
    *r.mutable_scheme() = f.schemes(i);
    if (absl::Status s = emit(absl::StrCat("schemes[", i, "] ", f.schemes(i).id()), "scheme", r); !s.ok()) return s;
  }
  for (int i = 0; i < f.qualitative_methods_size(); ++i) {
    v1::DefineQualitativeMethodRequest r;
    *r.mutable_method() = f.qualitative_methods(i);
    if (absl::Status s = emit(absl::StrCat("qualitative_methods[", i, "] ", f.qualitative_methods(i).id()), "method", r);
        !s.ok()) {
      return s;
    }
  }
  for (int i = 0; i < f.processes_size(); ++i) {
    v1::DefineProcessRequest r;
    *r.mutable_process() = f.processes(i);
    if (absl::Status s = emit(absl::StrCat("processes[", i, "] ", f.processes(i).code()), "process", r); !s.ok()) {
      return s;
    }
  }
  for (int i = 0; i < f.assessments_size(); ++i) {
    v1::RecordAssessmentRequest r;
    *r.mutable_assessment() = f.assessments(i);
    if (absl::Status s = emit(
            absl::StrCat("assessments[", i, "] ", f.assessments(i).process(), "@", f.assessments(i).assessed_on()),
            "assessment", r);
        !s.ok()) {
      return s;
    }
  }
  for (int i = 0; i < f.measures_size(); ++i) {
    v1::DefineMeasureRequest r;
    *r.mutable_measure() = f.measures(i);
    if (absl::Status s = emit(absl::StrCat("measures[", i, "] ", f.measures(i).code()), "measure", r); !s.ok()) {
      return s;
    }
  }
  if (f.monitoring_plan_size() > 0) {
    v1::PlanMonitoringRequest r;
    *r.mutable_entries() = f.monitoring_plan();
    if (absl::Status s = emit("monitoring_plan", "plan", r); !s.ok()) return s;
  }
  for (int i = 0; i < f.monitoring_size(); ++i) {
    v1::RecordMonitoringRequest r;
    *r.mutable_record() = f.monitoring(i);
    if (absl::Status s = emit(absl::StrCat("monitoring[", i, "] ", f.monitoring(i).measure(), "@", f.monitoring(i).date()),
                              "monitoring", r);
        !s.ok()) {
      return s;
    }
  }
  for (int i = 0; i < f.owner_reports_size(); ++i) {
    v1::SubmitOwnerReportRequest r;
    *r.mutable_report() = f.owner_reports(i);
    if (absl::Status s = emit(absl::StrCat("owner_reports[", i, "] ", f.owner_reports(i).owner()), "report", r);
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace piao::risk

#endif  // PIAO_LIBS_RISK_REGISTER_FILE_H_
