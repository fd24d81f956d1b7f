#include "libs/base/json_strict.h"

#include <cstddef>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace piao {
namespace {

using json = nlohmann::json;

// A SAX pass that only watches the structure: each object's keys so far, each array's element index. It
// stops at the first duplicate key or at a nesting deeper than kMaxJsonDepth; syntax errors are left to
// the DOM parse that follows, which reports them with nlohmann's own position information.
class KeyWatcher : public nlohmann::json_sax<json> {
 public:
  explicit KeyWatcher(absl::string_view root) : root_(root) {}

  bool null() override { return Scalar(); }
  bool boolean(bool) override { return Scalar(); }
  bool number_integer(number_integer_t) override { return Scalar(); }
  bool number_unsigned(number_unsigned_t) override { return Scalar(); }
  bool number_float(number_float_t, const string_t&) override { return Scalar(); }
  bool string(string_t&) override { return Scalar(); }
  bool binary(binary_t&) override { return Scalar(); }

  bool start_object(std::size_t) override { return Open(/*object=*/true); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(/*object=*/false); }
  bool end_array() override { return Close(); }

  bool key(string_t& k) override {
    Frame& f = frames_.back();
    f.key = k;
    if (!f.keys.insert(k).second) {
      error_ = absl::InvalidArgumentError(absl::StrCat(Path(), ": duplicate key (a key may appear once per object)"));
      return false;
    }
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;  // the DOM parse reports it
  }

  const absl::Status& error() const { return error_; }

 private:
  struct Frame {
    bool object = false;
    std::set<std::string> keys;
    std::string key;      // objects: the current member
    long long index = -1; // arrays: the current element
  };

  // A value starts: in an array it is the next element.
  void Element() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
  }
  bool Scalar() {
    Element();
    return true;
  }
  bool Open(bool object) {
    Element();
    if (static_cast<int>(frames_.size()) >= kMaxJsonDepth) {
      error_ = absl::InvalidArgumentError(
          absl::StrCat(Path().empty() ? "(root)" : Path(), ": nested deeper than ", kMaxJsonDepth, " levels"));
      return false;
    }
    frames_.push_back(Frame{object, {}, {}, -1});
    return true;
  }
  bool Close() {
    if (!frames_.empty()) frames_.pop_back();
    return true;
  }

  std::string Path() const {
    std::string p(root_);
    for (const Frame& f : frames_) {
      if (f.object) {
        p = JsonChildPath(p, f.key);
      } else if (f.index >= 0) {
        absl::StrAppend(&p, "[", f.index, "]");
      }
    }
    return p;
  }

  std::string root_;
  std::vector<Frame> frames_;
  absl::Status error_;
};

}  // namespace

std::string JsonChildPath(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

absl::StatusOr<json> ParseJsonStrict(absl::string_view text, absl::string_view what, absl::string_view root) {
  KeyWatcher watcher(root);
  const bool clean = json::sax_parse(text.begin(), text.end(), &watcher, nlohmann::detail::input_format_t::json,
                                     /*strict=*/true);
  if (!watcher.error().ok()) return watcher.error();
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!clean || parsed.is_discarded()) {
    // Parse again with exceptions for nlohmann's message (line, column, what was expected).
    try {
      const json again = json::parse(text.begin(), text.end());
      (void)again;
    } catch (const json::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(what, " is not valid JSON: ", e.what()));
    }
    return absl::InvalidArgumentError(absl::StrCat(what, " is not valid JSON"));
  }
  return parsed;
}

absl::Status CheckKnownKeys(const json& obj, std::initializer_list<absl::string_view> allowed,
                            absl::string_view path) {
  if (!obj.is_object()) return absl::OkStatus();
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (absl::string_view a : allowed) known = known || a == it.key();
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(JsonChildPath(path, it.key()), ": unknown key (expected one of ",
                                                     absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return absl::OkStatus();
}

}  // namespace piao
