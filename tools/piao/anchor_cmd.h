// `piao anchor` and `piao verify --anchor`: chain heads signed with a key kept out of the event stores, so
// that someone who can rewrite a store (cut its tail and rewrite the head record, or rebuild a chain that
// hashes consistently) is still caught.
//
// The anchor file (JSON, one object, no other keys):
//   {"format": "piao-anchor/1",
//    "created_at": "2026-12-04T20:00:00Z",                     RFC 3339, UTC
//    "heads": [{"service": "hr", "position": 12, "hash": "<64 hex>"}, ...],   sorted by service, each once;
//                                                                hash "" only with position 0 (empty store)
//    "public_key": "<64 hex>",                                  raw Ed25519 public key that signed it
//    "signature": "<128 hex>"}                                  Ed25519 over AnchorSignedBytes()
// The signed bytes are a canonical text, so the JSON's spacing or key order does not matter:
//   "piao-anchor/1\n" "created_at=<created_at>\n" then per head "head=<service> <position> <hash hex>\n".
// Service names are [a-z0-9_-]{1,64}, so the text is unambiguous.
//
// Keys: DIR/anchor.key is the Ed25519 private key (PKCS#8 PEM), created by the first `piao anchor` with
// O_CREAT|O_EXCL and mode 0600 (never readable by others, not even briefly); DIR/anchor.pub (SubjectPublicKeyInfo
// PEM) is the trusted public key. What each check protects against:
//   - the signature with the key embedded in the file: only that the file is whole (not corrupted, heads not
//     edited without re-signing) — anyone can make a new key pair and re-sign an edited file;
//   - the embedded key being the trusted one (DIR/anchor.pub or --public-key): that the anchor was made by
//     whoever holds the private key, so a forged anchor signed with another key is refused.
// Someone who can write DIR can replace anchor.pub and anchor.key too: keep copies of the anchors and of the
// public key (or its fingerprint, printed by both commands) away from the machine, e.g. with the OIV.
#ifndef PIAO_TOOLS_PIAO_ANCHOR_CMD_H_
#define PIAO_TOOLS_PIAO_ANCHOR_CMD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace piao::cli {

inline constexpr char kAnchorFormat[] = "piao-anchor/1";

struct AnchorHead {
  std::string service;
  uint64_t position = 0;
  std::string hash;  // raw SHA-256 of the event at `position` ("" for an empty store)
};

struct AnchorDocument {
  std::string created_at;          // RFC 3339 UTC
  std::vector<AnchorHead> heads;   // sorted by service
  std::string public_key;          // raw 32-byte Ed25519 public key
  std::string signature;           // raw 64-byte Ed25519 signature over AnchorSignedBytes()
};

// An Ed25519 key pair, raw bytes.
struct AnchorKey {
  std::string private_key;  // 32 bytes
  std::string public_key;   // 32 bytes
};

// The canonical byte string the signature covers (see the header comment).
std::string AnchorSignedBytes(const AnchorDocument& doc);
std::string AnchorToJson(const AnchorDocument& doc);
// INVALID_ARGUMENT naming the field and the rule for anything but the documented shape.
absl::StatusOr<AnchorDocument> ParseAnchor(const std::string& text);

// Loads `key_path`, or creates a new key pair there (0600, O_EXCL) and writes its public key to `pub_path`.
// FAILED_PRECONDITION when an existing key file is readable by group or others, or `pub_path` holds another key.
absl::StatusOr<AnchorKey> LoadOrCreateAnchorKey(const std::string& key_path, const std::string& pub_path);
// The raw public key of a SubjectPublicKeyInfo PEM file.
absl::StatusOr<std::string> LoadAnchorPublicKey(const std::string& pub_path);
// Sorts `heads`, checks them and signs.
absl::StatusOr<AnchorDocument> SignAnchor(const AnchorKey& key, std::string created_at,
                                          std::vector<AnchorHead> heads);
// FAILED_PRECONDITION unless the document is signed by `trusted_public_key` and the signature verifies.
absl::Status CheckAnchorSignature(const AnchorDocument& doc, const std::string& trusted_public_key);
// Short hex fingerprint of a public key (first 16 bytes of its SHA-256), for comparing out of band.
std::string KeyFingerprint(const std::string& public_key);
// DIR/anchor.pub for DIR/anchor.key: the key path with ".key" replaced by ".pub" (else ".pub" appended).
std::string PublicKeyPathFor(const std::string& key_path);

struct AnchorOptions {
  std::string data_dir;
  std::string out;  // "" = the document on stdout
  std::string key;  // "" = DATA/anchor.key
  bool json = false;
};
// Reads every write service's EventLog head and writes the signed anchor.
absl::Status RunAnchor(const AnchorOptions& options);

struct VerifyAnchorOptions {
  std::string data_dir;
  std::string anchor_file;
  std::string public_key;  // "" = DATA/anchor.pub
  bool json = false;
};
// Checks the anchor's signature, then asks every service to verify its chain against its anchored head.
// Returns whether every service is intact; an error when the anchor itself cannot be trusted or read.
absl::StatusOr<bool> RunVerifyAnchor(const VerifyAnchorOptions& options);

}  // namespace piao::cli

#endif  // PIAO_TOOLS_PIAO_ANCHOR_CMD_H_
