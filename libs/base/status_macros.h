// Early-return helpers for absl::Status / absl::StatusOr (Debian's abseil ships none).
#ifndef PIAO_LIBS_BASE_STATUS_MACROS_H_
#define PIAO_LIBS_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PIAO_STATUS_CONCAT_INNER_(a, b) a##b
#define PIAO_STATUS_CONCAT_(a, b) PIAO_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define PIAO_RETURN_IF_ERROR(expr)               \
  do {                                           \
    ::absl::Status piao_status_ = (expr);        \
    if (!piao_status_.ok()) return piao_status_; \
  } while (0)

// `lhs = value of expr`, or returns its status from the enclosing function.
#define PIAO_ASSIGN_OR_RETURN(lhs, expr) \
  PIAO_ASSIGN_OR_RETURN_IMPL_(PIAO_STATUS_CONCAT_(piao_statusor_, __LINE__), lhs, expr)

#define PIAO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

#endif  // PIAO_LIBS_BASE_STATUS_MACROS_H_
