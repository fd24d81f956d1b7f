#include "tools/piao/anchor_cmd.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/base/process.h"
#include "libs/base/sha256.h"
#include "libs/base/status_macros.h"
#include "libs/service/event_log_client.h"
#include "tools/piao/stack.h"

namespace piao::cli {
namespace {

using json = nlohmann::json;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;

constexpr size_t kKeyBytes = 32, kSignatureBytes = 64, kHashBytes = 32;

absl::StatusOr<std::string> FromHex(const std::string& field, const std::string& hex, size_t bytes) {
  if (hex.size() != 2 * bytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": expected ", 2 * bytes, " hex digits, got ", hex.size()));
  }
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) {
    int v = 0;
    for (int k = 0; k < 2; ++k) {
      const char c = hex[2 * i + k];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else {
        return absl::InvalidArgumentError(absl::StrCat(field, ": only lower-case hex digits allowed"));
      }
      v = v * 16 + d;
    }
    out[i] = static_cast<char>(v);
  }
  return out;
}

bool ValidServiceName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

absl::Status CheckHeads(const std::vector<AnchorHead>& heads) {
  for (size_t i = 0; i < heads.size(); ++i) {
    const AnchorHead& h = heads[i];
    const std::string field = absl::StrCat("heads[", i, "]");
    if (!ValidServiceName(h.service)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".service: must be 1-64 of [a-z0-9_-]"));
    }
    if (i > 0 && heads[i - 1].service >= h.service) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".service: heads must be sorted by service, each once"));
    }
    if (h.position == 0 ? !h.hash.empty() : h.hash.size() != kHashBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".hash: a SHA-256 for a position above 0, empty for position 0"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckCreatedAt(const std::string& created_at) {
  absl::Time t;
  std::string err;
  if (!absl::ParseTime(absl::RFC3339_full, created_at, &t, &err)) {
    return absl::InvalidArgumentError(absl::StrCat("created_at: not an RFC 3339 time: ", err));
  }
  return absl::OkStatus();
}

absl::Status OpenSslError(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, " failed (OpenSSL)"));
}

absl::StatusOr<std::string> PemOf(EVP_PKEY* key, bool private_key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) return OpenSslError("BIO_new");
  const int ok = private_key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                             : PEM_write_bio_PUBKEY(bio.get(), key);
  if (ok != 1) return OpenSslError("writing PEM");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

absl::StatusOr<std::string> RawKey(EVP_PKEY* key, bool private_key) {
  std::string out(kKeyBytes, '\0');
  size_t len = out.size();
  const int ok = private_key
                     ? EVP_PKEY_get_raw_private_key(key, reinterpret_cast<unsigned char*>(out.data()), &len)
                     : EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(out.data()), &len);
  if (ok != 1 || len != kKeyBytes) return OpenSslError("reading a raw Ed25519 key");
  return out;
}

absl::StatusOr<Pkey> ReadPem(const std::string& path, bool private_key) {
  PIAO_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpenSslError("BIO_new_mem_buf");
  Pkey key(private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                       : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!key || EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not an Ed25519 ", private_key ? "private key (PKCS#8 PEM)" : "public key (PEM)"));
  }
  return key;
}

// Creates `path` with mode 0600 from the start (O_EXCL: never over an existing file), writes and fsyncs.
absl::Status WritePrivateFile(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError(absl::StrCat(path, " already exists"));
    return absl::UnavailableError(absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int e = errno;
      ::close(fd);
      ::unlink(path.c_str());
      return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(e)));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    ::unlink(path.c_str());
    return absl::UnavailableError(absl::StrCat("cannot sync ", path));
  }
  return absl::OkStatus();
}

absl::StatusOr<AnchorKey> KeyFromPkey(EVP_PKEY* pkey) {
  AnchorKey key;
  PIAO_ASSIGN_OR_RETURN(key.private_key, RawKey(pkey, true));
  PIAO_ASSIGN_OR_RETURN(key.public_key, RawKey(pkey, false));
  return key;
}

absl::Status EnsurePublicKeyFile(const std::string& pub_path, EVP_PKEY* pkey, const std::string& raw_public) {
  if (::access(pub_path.c_str(), F_OK) == 0) {
    PIAO_ASSIGN_OR_RETURN(std::string existing, LoadAnchorPublicKey(pub_path));
    if (existing != raw_public) {
      return absl::FailedPreconditionError(absl::StrCat(
          pub_path, " holds another public key (", KeyFingerprint(existing), ") than the private key's (",
          KeyFingerprint(raw_public), ")"));
    }
    return absl::OkStatus();
  }
  PIAO_ASSIGN_OR_RETURN(std::string pem, PemOf(pkey, false));
  return WriteFileAtomically(pub_path, pem);
}

std::string NowRfc3339() { return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()); }

}  // namespace

std::string KeyFingerprint(const std::string& public_key) {
  return ToHex(Sha256({public_key}).substr(0, 16));
}

std::string PublicKeyPathFor(const std::string& key_path) {
  if (absl::EndsWith(key_path, ".key")) return key_path.substr(0, key_path.size() - 4) + ".pub";
  return key_path + ".pub";
}

std::string AnchorSignedBytes(const AnchorDocument& doc) {
  std::string out = absl::StrCat(kAnchorFormat, "\n", "created_at=", doc.created_at, "\n");
  for (const AnchorHead& h : doc.heads) absl::StrAppend(&out, "head=", h.service, " ", h.position, " ", ToHex(h.hash), "\n");
  return out;
}

std::string AnchorToJson(const AnchorDocument& doc) {
  json heads = json::array();
  for (const AnchorHead& h : doc.heads) {
    heads.push_back({{"service", h.service}, {"position", h.position}, {"hash", ToHex(h.hash)}});
  }
  json j = {{"format", kAnchorFormat},
            {"created_at", doc.created_at},
            {"heads", heads},
            {"public_key", ToHex(doc.public_key)},
            {"signature", ToHex(doc.signature)}};
  return j.dump(2) + "\n";
}

absl::StatusOr<AnchorDocument> ParseAnchor(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::InvalidArgumentError("anchor: not a JSON object");
  static const std::set<std::string> kKeys = {"format", "created_at", "heads", "public_key", "signature"};
  for (const auto& [k, v] : j.items()) {
    if (kKeys.count(k) == 0) return absl::InvalidArgumentError(absl::StrCat("anchor: unknown key '", k, "'"));
  }
  for (const std::string& k : kKeys) {
    if (!j.contains(k)) return absl::InvalidArgumentError(absl::StrCat("anchor: '", k, "' is required"));
  }
  if (!j["format"].is_string() || j["format"].get<std::string>() != kAnchorFormat) {
    return absl::InvalidArgumentError(absl::StrCat("format: must be \"", kAnchorFormat, "\""));
  }
  for (const char* k : {"created_at", "public_key", "signature"}) {
    if (!j[k].is_string()) return absl::InvalidArgumentError(absl::StrCat(k, ": must be a string"));
  }
  AnchorDocument doc;
  doc.created_at = j["created_at"].get<std::string>();
  PIAO_RETURN_IF_ERROR(CheckCreatedAt(doc.created_at));
  PIAO_ASSIGN_OR_RETURN(doc.public_key, FromHex("public_key", j["public_key"].get<std::string>(), kKeyBytes));
  PIAO_ASSIGN_OR_RETURN(doc.signature, FromHex("signature", j["signature"].get<std::string>(), kSignatureBytes));
  if (!j["heads"].is_array()) return absl::InvalidArgumentError("heads: must be an array");
  for (size_t i = 0; i < j["heads"].size(); ++i) {
    const json& h = j["heads"][i];
    const std::string field = absl::StrCat("heads[", i, "]");
    if (!h.is_object()) return absl::InvalidArgumentError(field + ": must be an object");
    for (const auto& [k, v] : h.items()) {
      if (k != "service" && k != "position" && k != "hash") {
        return absl::InvalidArgumentError(absl::StrCat(field, ": unknown key '", k, "'"));
      }
    }
    if (!h.contains("service") || !h["service"].is_string()) {
      return absl::InvalidArgumentError(field + ".service: a string is required");
    }
    if (!h.contains("position") || !h["position"].is_number_unsigned()) {
      return absl::InvalidArgumentError(field + ".position: a non-negative integer is required");
    }
    if (!h.contains("hash") || !h["hash"].is_string()) {
      return absl::InvalidArgumentError(field + ".hash: a string is required");
    }
    AnchorHead head;
    head.service = h["service"].get<std::string>();
    head.position = h["position"].get<uint64_t>();
    const std::string hex = h["hash"].get<std::string>();
    if (!hex.empty()) {
      PIAO_ASSIGN_OR_RETURN(head.hash, FromHex(field + ".hash", hex, kHashBytes));
    }
    doc.heads.push_back(std::move(head));
  }
  PIAO_RETURN_IF_ERROR(CheckHeads(doc.heads));
  return doc;
}

absl::StatusOr<std::string> LoadAnchorPublicKey(const std::string& pub_path) {
  PIAO_ASSIGN_OR_RETURN(Pkey key, ReadPem(pub_path, false));
  return RawKey(key.get(), false);
}

absl::StatusOr<AnchorKey> LoadOrCreateAnchorKey(const std::string& key_path, const std::string& pub_path) {
  struct stat st;
  if (::lstat(key_path.c_str(), &st) == 0) {
    if (!S_ISREG(st.st_mode)) return absl::FailedPreconditionError(key_path + ": not a regular file");
    if ((st.st_mode & 077) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(key_path, " is readable or writable by group or others (mode ",
                                                        absl::StrFormat("%04o", st.st_mode & 07777),
                                                        "): chmod 600 it and consider the key exposed"));
    }
    PIAO_ASSIGN_OR_RETURN(Pkey pkey, ReadPem(key_path, true));
    PIAO_ASSIGN_OR_RETURN(AnchorKey key, KeyFromPkey(pkey.get()));
    PIAO_RETURN_IF_ERROR(EnsurePublicKeyFile(pub_path, pkey.get(), key.public_key));
    return key;
  }
  if (errno != ENOENT) return absl::UnavailableError(absl::StrCat("cannot stat ", key_path, ": ", std::strerror(errno)));
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return OpenSslError("generating an Ed25519 key");
  }
  Pkey pkey(raw);
  PIAO_ASSIGN_OR_RETURN(std::string pem, PemOf(pkey.get(), true));
  absl::Status written = WritePrivateFile(key_path, pem);
  if (absl::IsAlreadyExists(written)) return LoadOrCreateAnchorKey(key_path, pub_path);  // another run won
  PIAO_RETURN_IF_ERROR(written);
  PIAO_ASSIGN_OR_RETURN(AnchorKey key, KeyFromPkey(pkey.get()));
  PIAO_RETURN_IF_ERROR(EnsurePublicKeyFile(pub_path, pkey.get(), key.public_key));
  return key;
}

absl::StatusOr<AnchorDocument> SignAnchor(const AnchorKey& key, std::string created_at,
                                          std::vector<AnchorHead> heads) {
  std::sort(heads.begin(), heads.end(), [](const AnchorHead& a, const AnchorHead& b) { return a.service < b.service; });
  PIAO_RETURN_IF_ERROR(CheckHeads(heads));
  PIAO_RETURN_IF_ERROR(CheckCreatedAt(created_at));
  AnchorDocument doc;
  doc.created_at = std::move(created_at);
  doc.heads = std::move(heads);
  doc.public_key = key.public_key;
  Pkey pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                         reinterpret_cast<const unsigned char*>(key.private_key.data()),
                                         key.private_key.size()));
  if (!pkey) return OpenSslError("loading the Ed25519 private key");
  PIAO_ASSIGN_OR_RETURN(std::string derived_public, RawKey(pkey.get(), false));
  if (derived_public != key.public_key) return absl::InvalidArgumentError("key: public key does not match");
  const std::string bytes = AnchorSignedBytes(doc);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  doc.signature.assign(kSignatureBytes, '\0');
  size_t len = doc.signature.size();
  if (!md || EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(doc.signature.data()), &len,
                     reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1 ||
      len != kSignatureBytes) {
    return OpenSslError("signing the anchor");
  }
  return doc;
}

absl::Status CheckAnchorSignature(const AnchorDocument& doc, const std::string& trusted_public_key) {
  if (doc.public_key != trusted_public_key) {
    return absl::FailedPreconditionError(absl::StrCat("the anchor is signed by key ", KeyFingerprint(doc.public_key),
                                                      ", not by the trusted key ", KeyFingerprint(trusted_public_key)));
  }
  Pkey pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                        reinterpret_cast<const unsigned char*>(doc.public_key.data()),
                                        doc.public_key.size()));
  if (!pkey) return absl::FailedPreconditionError("public_key: not an Ed25519 public key");
  const std::string bytes = AnchorSignedBytes(doc);
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return OpenSslError("preparing signature verification");
  }
  if (EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(doc.signature.data()), doc.signature.size(),
                       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()) != 1) {
    return absl::FailedPreconditionError("the anchor's signature does not verify: the file was altered");
  }
  return absl::OkStatus();
}

absl::Status RunAnchor(const AnchorOptions& options) {
  const std::string key_path = options.key.empty() ? options.data_dir + "/anchor.key" : options.key;
  PIAO_ASSIGN_OR_RETURN(AnchorKey key, LoadOrCreateAnchorKey(key_path, PublicKeyPathFor(key_path)));
  std::vector<AnchorHead> heads;
  for (const std::string& name : StackServices()) {
    if (name == "projection") continue;  // derived views, no event store of its own
    PIAO_ASSIGN_OR_RETURN(ServiceConnection conn, Connect(options.data_dir, name));
    PIAO_ASSIGN_OR_RETURN(v1::GetHeadResponse head, service::GetHead({conn.channel, conn.token, absl::Seconds(30)}));
    if (head.source_service() != name) {
      return absl::FailedPreconditionError(
          absl::StrCat("the service at ", conn.address, " says it is '", head.source_service(), "', not ", name));
    }
    heads.push_back(AnchorHead{name, head.global_position(), head.hash()});
  }
  PIAO_ASSIGN_OR_RETURN(AnchorDocument doc, SignAnchor(key, NowRfc3339(), std::move(heads)));
  const std::string text = AnchorToJson(doc);
  if (options.out.empty()) {
    std::fputs(text.c_str(), stdout);
    return absl::OkStatus();
  }
  PIAO_RETURN_IF_ERROR(WriteFileAtomically(options.out, text));
  if (options.json) {
    json heads_json = json::array();
    for (const AnchorHead& h : doc.heads) {
      heads_json.push_back({{"service", h.service}, {"position", h.position}, {"hash", ToHex(h.hash)}});
    }
    std::printf("%s\n", json{{"out", options.out},
                             {"created_at", doc.created_at},
                             {"key_fingerprint", KeyFingerprint(doc.public_key)},
                             {"heads", heads_json}}
                            .dump()
                            .c_str());
    return absl::OkStatus();
  }
  for (const AnchorHead& h : doc.heads) {
    std::printf("%-12s position %-8llu %s\n", h.service.c_str(), static_cast<unsigned long long>(h.position),
                ToHex(h.hash).c_str());
  }
  std::printf("anchor written to %s (key %s); keep a copy away from this machine\n", options.out.c_str(),
              KeyFingerprint(doc.public_key).c_str());
  return absl::OkStatus();
}

absl::StatusOr<bool> RunVerifyAnchor(const VerifyAnchorOptions& options) {
  PIAO_ASSIGN_OR_RETURN(std::string text, ReadFile(options.anchor_file));
  absl::StatusOr<AnchorDocument> parsed = ParseAnchor(text);
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(), absl::StrCat(options.anchor_file, ": ", parsed.status().message()));
  }
  const AnchorDocument& doc = *parsed;
  const std::string pub_path = options.public_key.empty() ? options.data_dir + "/anchor.pub" : options.public_key;
  if (::access(pub_path.c_str(), F_OK) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no trusted public key at ", pub_path, " (the key inside the anchor alone proves nothing): pass --public-key"));
  }
  PIAO_ASSIGN_OR_RETURN(std::string trusted, LoadAnchorPublicKey(pub_path));
  if (absl::Status s = CheckAnchorSignature(doc, trusted); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(options.anchor_file, ": ", s.message()));
  }
  json out = json::array();
  bool all_intact = true;
  std::set<std::string> anchored;
  auto report = [&](const std::string& name, const v1::VerifyChainResponse& r, const AnchorHead* head) {
    all_intact &= r.intact();
    json entry = {{"service", name},
                  {"intact", r.intact()},
                  {"events_checked", r.events_checked()},
                  {"problem", r.problem()},
                  {"problem_position", r.problem_position()},
                  {"anchored_position", head != nullptr ? json(head->position) : json(nullptr)}};
    out.push_back(entry);
    if (options.json) return;
    const std::string anchored_at =
        head != nullptr ? absl::StrCat(", anchored at ", head->position) : std::string(", not anchored");
    if (r.intact()) {
      std::printf("%-12s intact (%llu events checked%s)\n", name.c_str(),
                  static_cast<unsigned long long>(r.events_checked()), anchored_at.c_str());
    } else {
      std::printf("%-12s BROKEN at position %llu (%llu events checked%s): %s\n", name.c_str(),
                  static_cast<unsigned long long>(r.problem_position()),
                  static_cast<unsigned long long>(r.events_checked()), anchored_at.c_str(), r.problem().c_str());
    }
  };
  if (!options.json) {
    std::printf("anchor %s of %s, key %s: signature valid\n", options.anchor_file.c_str(), doc.created_at.c_str(),
                KeyFingerprint(doc.public_key).c_str());
  }
  for (const AnchorHead& head : doc.heads) {
    anchored.insert(head.service);
    PIAO_ASSIGN_OR_RETURN(ServiceConnection conn, Connect(options.data_dir, head.service));
    v1::VerifyChainRequest request;
    request.mutable_anchor()->set_global_position(head.position);
    request.mutable_anchor()->set_hash(head.hash);
    PIAO_ASSIGN_OR_RETURN(v1::VerifyChainResponse r,
                          service::VerifyChain({conn.channel, conn.token, absl::Minutes(10)}, request));
    if (r.source_service() != head.service) {
      r.set_intact(false);
      r.set_problem(absl::StrCat("the service answering as ", head.service, " says it is '", r.source_service(), "'"));
    } else if (!r.anchor_checked()) {
      r.set_intact(false);
      r.set_problem("the service did not check the anchor (a version without anchored verification)");
    }
    report(head.service, r, &head);
  }
  for (const std::string& name : StackServices()) {
    if (name == "projection" || anchored.count(name) != 0) continue;
    PIAO_ASSIGN_OR_RETURN(ServiceConnection conn, Connect(options.data_dir, name));
    PIAO_ASSIGN_OR_RETURN(v1::VerifyChainResponse r, service::VerifyChain({conn.channel, conn.token, absl::Minutes(10)}));
    report(name, r, nullptr);
  }
  if (options.json) {
    std::printf("%s\n", json{{"services", out},
                             {"intact", all_intact},
                             {"anchor",
                              {{"file", options.anchor_file},
                               {"created_at", doc.created_at},
                               {"key_fingerprint", KeyFingerprint(doc.public_key)}}}}
                            .dump()
                            .c_str());
  }
  return all_intact;
}

}  // namespace piao::cli
