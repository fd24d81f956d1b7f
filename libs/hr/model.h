// The HR capacity model (DOMAIN.md §6, PIAO §3.1-3.3), pure: the facts of one administration in, every
// derived figure out, as of any date. No I/O, no clock.
//
// Facts arrive as the piao.v1 event messages (hr.proto); each Apply* validates its whole message against the
// book first and changes nothing on error (INVALID_ARGUMENT naming the field and the rule, FAILED_PRECONDITION
// when the book's state forbids it, with the figures). The service's aggregate decides with these, and the
// projection folds with them, so both read the same rules.
//
// Counting rules (each one is how the PIAO 2022 of Torino computes its tables; see hr_torino_2022_test.cc):
// - cost of a person or a post = the category's unit cost in the establishment in force x part-time share,
//   rounded half away from zero to the cent, per person;
// - in service at D ("as the PIAO counts them") = employees hired on or before D (or in service before the
//   records) and not left by D, plus selections opened by D and not yet filled by D;
// - a leave's date is the first day out of service; leaves dated after the as-of date are the certain leavers;
// - vacancies at D seen from as-of A = posts of the establishment in force at A - (in service at A minus the
//   certain leavers by D); later hires are not netted, so the vacancies only grow;
// - turnover of year Y: leavers (not mobility_out), mobility_out, hires (hire + mobility_in) dated in Y up
//   to the as-of date; balance = hires - leavers - mobility_out;
// - hiring budget of year N = cost of the N-1 leavers that free budget (not mobility_out, not
//   budget_excluded; protected-category leavers in the protected part) + remainders: those recorded for N,
//   plus, when N-1 has a budget of its own (its year or an earlier one has recorded remainders), the unused
//   part of N-1's budget (budget - planned hires of N-1);
// - a planned hire must fit its part of the year's budget and, with the staff in service at Dec 31 of N-1 and
//   the other planned hires of N, the spending ceiling.
#ifndef PIAO_LIBS_HR_MODEL_H_
#define PIAO_LIBS_HR_MODEL_H_

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "libs/base/strong_types.h"
#include "libs/hr/money.h"
#include "piao/v1/hr.pb.h"

namespace piao::hr {

using Date = absl::CivilDay;
using EmployeeId = Id<struct EmployeeIdTag>;

enum class Category { kDir, kD3, kD1, kC, kB3, kB1, kA };
inline constexpr std::array<Category, 7> kCategories = {Category::kDir, Category::kD3, Category::kD1, Category::kC,
                                                        Category::kB3,  Category::kB1, Category::kA};
absl::StatusOr<Category> ParseCategory(absl::string_view text, absl::string_view field);
const char* CategoryName(Category c);

enum class Protected { kNone, kArt1, kArt18 };
absl::StatusOr<Protected> ParseProtected(absl::string_view text, absl::string_view field);

enum class Movement { kInService, kHire, kMobilityIn };
enum class LeaveReason { kRetirement, kResignation, kMobilityOut, kOther };

absl::StatusOr<Date> ParseDate(absl::string_view text, absl::string_view field);
std::string FormatDate(Date d);

struct Post {
  int posts = 0;
  Money unit_cost;
};

struct Establishment {
  std::string act;
  Date date;
  bool ceiling = false;  // sets the spending ceiling (spesa potenziale massima)
  std::map<Category, Post> posts;
  int TotalPosts() const;
  Money Cost() const;  // checked on adoption, so it cannot overflow here
};

struct LeaveRecord {
  Date date;
  LeaveReason reason = LeaveReason::kOther;
  bool budget_excluded = false;
  std::string note;
};

struct EmployeeRecord {
  EmployeeId id;
  Category category = Category::kC;
  std::string unit;
  std::string gender;
  int32_t part_time_bp = kFullTimeBp;
  Protected protected_category = Protected::kNone;
  std::optional<Date> hired;  // none: in service before the records
  Movement movement = Movement::kInService;
  std::string selection_id;
  std::optional<LeaveRecord> leave;
  bool InServiceAt(Date d) const;
};

struct SelectionRecord {
  std::string id;
  Category category = Category::kC;
  int32_t part_time_bp = kFullTimeBp;
  Protected protected_category = Protected::kNone;
  Date opened;
  int plan_year = 0;
  std::optional<Date> filled;  // the hire date of the employee recorded with this selection_id
  bool OpenAt(Date d) const { return opened <= d && (!filled.has_value() || *filled > d); }
};

struct PlannedHireRecord {
  std::string id;
  int year = 0;
  Category category = Category::kC;
  int count = 0;
  int32_t part_time_bp = kFullTimeBp;
  Protected protected_category = Protected::kNone;
  Money cost;  // count x pro-rated unit cost, fixed when planned
};

struct BudgetParts {
  Money ordinary;
  Money protected_part;
};

struct HiringBudget {
  int year = 0;
  int leavers_count = 0;
  BudgetParts leavers;
  BudgetParts remainders;
  BudgetParts total;
  int planned_ordinary_count = 0;
  int planned_protected_count = 0;
  BudgetParts planned;
  BudgetParts residual;
};

struct Turnover {
  int year = 0;
  int leavers = 0;
  int mobility_out = 0;
  int hires = 0;
  int mobility_in = 0;
  int balance() const { return hires - leavers - mobility_out; }
};

struct QuotaCheck {
  Date date;
  int art1 = 0;
  int art18 = 0;
};

struct SubprocessRecord {
  std::string code, name, unit;
  int criteria[4] = {0, 0, 0, 0};
  int score = 0;
  bool eligible() const { return score >= kAgileEligibleScore; }
  static constexpr int kAgileEligibleScore = 2;
};

struct AgreementRecord {
  std::string id;
  EmployeeId employee;
  std::vector<std::string> subprocesses;
  int days = 0, half_days = 0;
  Date from;
  std::optional<Date> to;
  bool ActiveAt(Date d) const { return from <= d && (!to.has_value() || d <= *to); }
};

// Agile-work cap per period (PIAO 2022 §4.2: "8 giorni o 16 mezze giornate").
inline constexpr int kAgileMaxDays = 8;
inline constexpr int kAgileMaxHalfDays = 16;

class HrBook {
 public:
  absl::Status ApplyEstablishment(const v1::EstablishmentAdopted& e);
  absl::Status ApplyStaff(const v1::StaffRecorded& e);
  absl::Status ApplyLeaves(const v1::LeavesRecorded& e);
  absl::Status ApplySelections(const v1::SelectionsOpened& e);
  absl::Status ApplyRemainders(const v1::HiringRemaindersRecorded& e);
  absl::Status ApplyProtectedQuota(const v1::ProtectedQuotaRecorded& e);
  absl::Status ApplyPlannedHires(const v1::HiresPlanned& e);
  absl::Status ApplyRemotability(const v1::RemotabilityAssessed& e);
  absl::Status ApplyAgreements(const v1::AgileAgreementsSigned& e);
  absl::Status ApplyYearSettings(const v1::YearSettingsSet& e);

  // The establishment in force on `d` (the latest adopted with act date <= d; the later adopted on a tie),
  // and the ceiling-setting one. Null when none.
  const Establishment* EstablishmentAt(Date d) const;
  const Establishment* CeilingAt(Date d) const;
  // The unit cost of `c` in the establishment in force on `d` (else the first one adopted).
  absl::StatusOr<Money> UnitCost(Category c, Date d) const;

  // Heads and cost in service at `d` as the PIAO counts them (employees + open selections), per category.
  struct InService {
    int employed = 0;
    int in_selection = 0;
    Money cost;
    std::map<Category, std::pair<int, Money>> by_category;
    int total() const { return employed + in_selection; }
  };
  absl::StatusOr<InService> InServiceAt(Date d) const;

  absl::StatusOr<HiringBudget> BudgetOf(int year) const;
  Turnover TurnoverOf(int year, Date through) const;
  // Vacancies per category at `at`, seen from `as_of` (see the rules above).
  absl::StatusOr<std::map<Category, int>> VacanciesAt(Date as_of, Date at) const;
  // The protected-category posts uncovered at `d` (art1, art18), from the latest monitoring on or before d.
  std::optional<std::pair<QuotaCheck, QuotaCheck>> ProtectedUncoveredAt(Date d) const;  // {monitoring, now}

  const std::vector<Establishment>& establishments() const { return establishments_; }
  const std::map<EmployeeId, EmployeeRecord>& employees() const { return employees_; }
  const std::map<std::string, SelectionRecord>& selections() const { return selections_; }
  const std::map<std::string, PlannedHireRecord>& planned_hires() const { return planned_; }
  const std::map<std::string, SubprocessRecord>& subprocesses() const { return subprocesses_; }
  const std::map<std::string, AgreementRecord>& agreements() const { return agreements_; }
  const v1::YearSettingsSet* SettingsOf(int year) const;

 private:
  absl::StatusOr<HiringBudget> BudgetOf(int year, int depth) const;
  absl::StatusOr<Money> PlannedCostFor(const v1::PlannedHire& h, int year, const std::string& field) const;

  std::vector<Establishment> establishments_;  // adoption order
  std::map<EmployeeId, EmployeeRecord> employees_;
  std::map<std::string, SelectionRecord> selections_;
  std::map<int, std::map<int, BudgetParts>> remainders_;  // budget year -> origin year -> amounts
  std::vector<QuotaCheck> quota_checks_;                   // recording order
  std::map<std::string, PlannedHireRecord> planned_;
  std::map<std::string, SubprocessRecord> subprocesses_;
  std::map<std::string, AgreementRecord> agreements_;
  std::map<int, v1::YearSettingsSet> settings_;
};

}  // namespace piao::hr

#endif  // PIAO_LIBS_HR_MODEL_H_
