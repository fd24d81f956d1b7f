#include "libs/service/event_log_service.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/kafka/partitioning.h"
#include "libs/service/grpc_status.h"
#include "libs/service/roles.h"

namespace piao::service {

void AllowEventLog(RolePolicy& policy) {
  for (const char* m : {kReadEventsMethod, kReadPartitionsMethod, kReadStreamMethod, kVerifyChainMethod}) {
    policy.Allow(m, {roles::kService, roles::kOiv, roles::kAdmin});
  }
  // A head is a position and a hash, no content: every role reads it before a query (read-your-writes).
  for (absl::string_view role : roles::kAll) policy.Allow(kGetHeadMethod, {role});
}

EventLogService::EventLogService(eventstore::EventStore* store, const Authorizer* authorizer,
                                 EventLogOptions options)
    : store_(store), authorizer_(authorizer), options_(options) {
  if (options_.page_size == 0) options_.page_size = 1;
}

grpc::Status EventLogService::ReadEvents(grpc::ServerContext* ctx, const v1::ReadEventsRequest* request,
                                         grpc::ServerWriter<v1::EventEnvelope>* writer) {
  PIAO_GRPC_RETURN_IF_ERROR(authorizer_->AuthorizeAllAdministrations(*ctx, kReadEventsMethod).status());
  // Positions start at 1; 0 means "from the beginning".
  GlobalPosition next(std::max<uint64_t>(request->from_global_position(), 1));
  const uint64_t limit = request->max_events();  // 0 = no limit
  uint64_t sent = 0;
  while (limit == 0 || sent < limit) {
    if (ctx->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled or past the deadline");
    if (request->follow() && stopping_.load()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          absl::StrCat("server is shutting down; resume from position ", next.value()));
    }
    size_t page = options_.page_size;
    if (limit != 0) page = static_cast<size_t>(std::min<uint64_t>(page, limit - sent));
    PIAO_GRPC_ASSIGN_OR_RETURN(std::vector<v1::EventEnvelope> events, store_->ReadAll(next, page));
    for (const v1::EventEnvelope& e : events) {
      if (!writer->Write(e)) return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
      ++sent;
      next = GlobalPosition(e.global_position()).next();
    }
    if (events.size() == page) continue;  // a full page: there may be more already
    // Caught up with the head.
    if (!request->follow()) break;
    store_->WaitForAppend(GlobalPosition(next.value() - 1), options_.follow_poll);
  }
  return grpc::Status::OK;
}

namespace {

// A page of reads: at most this many events and about this many bytes (under gRPC's 4 MiB message limit), and
// at most this many positions examined per call, so one call stays short whatever the partition's share.
constexpr uint32_t kDefaultPageEvents = 1000;
constexpr uint32_t kMaxPageEvents = 10000;
constexpr size_t kPageBytes = 2 << 20;
constexpr size_t kMaxScannedPerPage = 100000;

absl::StatusOr<size_t> PageEvents(uint32_t asked) {
  if (asked > kMaxPageEvents) {
    return absl::InvalidArgumentError(absl::StrCat("max_events: at most ", kMaxPageEvents, ", got ", asked));
  }
  return asked == 0 ? kDefaultPageEvents : asked;
}

}  // namespace

grpc::Status EventLogService::ReadPartitions(grpc::ServerContext* ctx, const v1::ReadPartitionsRequest* request,
                                             v1::ReadPartitionsResponse* response) {
  PIAO_GRPC_RETURN_IF_ERROR(authorizer_->AuthorizeAllAdministrations(*ctx, kReadPartitionsMethod).status());
  if (request->partition_count() < 1) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("partition_count: must be at least 1, got ", request->partition_count())));
  }
  kafka::PartitionShare share{request->partition_count(), {}};
  for (int32_t p : request->partitions()) {
    if (p < 0 || p >= request->partition_count()) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat("partitions: ", p, " is not in [0, ", request->partition_count(), ")")));
    }
    share.owned.push_back(p);
  }
  if (share.owned.empty()) return ToGrpcStatus(absl::InvalidArgumentError("partitions: at least one"));
  std::sort(share.owned.begin(), share.owned.end());
  PIAO_GRPC_ASSIGN_OR_RETURN(size_t max, PageEvents(request->max_events()));
  const GlobalPosition head = store_->head().position;
  PIAO_GRPC_ASSIGN_OR_RETURN(
      eventstore::EventStore::FilteredPage page,
      store_->ReadAllMatching(
          GlobalPosition(request->from_global_position()), GlobalPosition(request->to_global_position()),
          [&share](const v1::StreamRef& s) { return share.OwnsAdministration(kafka::AdministrationOfStream(s)); },
          max, kPageBytes, kMaxScannedPerPage));
  for (v1::EventEnvelope& e : page.events) *response->add_events() = std::move(e);
  response->set_scanned_to(page.scanned_to.value());
  response->set_head(std::max(head, page.scanned_to).value());
  return grpc::Status::OK;
}

grpc::Status EventLogService::ReadStream(grpc::ServerContext* ctx, const v1::ReadStreamRequest* request,
                                         v1::ReadStreamResponse* response) {
  PIAO_GRPC_RETURN_IF_ERROR(authorizer_->AuthorizeAllAdministrations(*ctx, kReadStreamMethod).status());
  PIAO_GRPC_ASSIGN_OR_RETURN(size_t max, PageEvents(request->max_events()));
  PIAO_GRPC_ASSIGN_OR_RETURN(
      std::vector<v1::EventEnvelope> events,
      store_->ReadStream(StreamId{request->stream().aggregate_type(), request->stream().aggregate_id()},
                         StreamVersion(request->from_stream_version()), max));
  size_t bytes = 0;
  for (v1::EventEnvelope& e : events) {
    if (bytes >= kPageBytes) break;  // the caller asks again from the next version
    bytes += e.ByteSizeLong();
    *response->add_events() = std::move(e);
  }
  return grpc::Status::OK;
}

grpc::Status EventLogService::GetHead(grpc::ServerContext* ctx, const v1::GetHeadRequest* request,
                                      v1::GetHeadResponse* response) {
  PIAO_GRPC_RETURN_IF_ERROR(authorizer_->Authorize(ctx, kGetHeadMethod).status());
  eventstore::Head head = store_->head();
  response->set_source_service(store_->source_service().value());
  response->set_global_position(head.position.value());
  response->set_hash(head.hash);
  PIAO_GRPC_ASSIGN_OR_RETURN(std::vector<eventstore::EventStore::ParkedEntry> parked, store_->ParkedEntries());
  response->set_parked_events(parked.size());
  if (!parked.empty()) {
    response->set_parked_problem(
        absl::StrCat("position ", parked.front().position.value(), ": ", parked.front().reason));
  }
  return grpc::Status::OK;
}

grpc::Status EventLogService::VerifyChain(grpc::ServerContext* ctx, const v1::VerifyChainRequest* request,
                                          v1::VerifyChainResponse* response) {
  PIAO_GRPC_RETURN_IF_ERROR(authorizer_->AuthorizeAllAdministrations(*ctx, kVerifyChainMethod).status());
  std::optional<eventstore::Anchor> anchor;
  if (request->has_anchor()) {
    anchor = eventstore::Anchor{GlobalPosition(request->anchor().global_position()), request->anchor().hash()};
  }
  eventstore::VerifyReport report = store_->Verify(anchor);
  response->set_source_service(store_->source_service().value());
  response->set_intact(report.intact);
  response->set_events_checked(report.events_checked);
  response->set_problem(report.problem);
  response->set_problem_position(report.problem_position.value());
  response->set_anchor_checked(anchor.has_value());
  return grpc::Status::OK;
}

}  // namespace piao::service
