#include "libs/service/local_pki.h"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "libs/base/process.h"
#include "libs/base/status_macros.h"

extern char** environ;

namespace piao::service {
namespace {

namespace fs = std::filesystem;

constexpr char kCurve[] = "ec_paramgen_curve:prime256v1";

bool ValidName(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

// Runs `openssl args...` with its output in `log`; INTERNAL with that output when it fails.
absl::Status OpenSsl(const std::vector<std::string>& args, const std::string& log) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (std::string& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, "openssl", &actions, nullptr, raw.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot run the openssl command (", std::strerror(rc), "): install Debian's openssl package"));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return absl::InternalError(absl::StrCat("waitpid: ", std::strerror(errno)));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return absl::FailedPreconditionError("the openssl command is missing: install Debian's openssl package");
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    absl::StatusOr<std::string> output = ReadFile(log);
    return absl::InternalError(absl::StrCat("openssl ", args.empty() ? "" : args[0], " failed: ",
                                            output.ok() ? *output : "(no output)"));
  }
  return absl::OkStatus();
}

absl::Status MakeCa(const std::string& dir, const std::string& log) {
  return OpenSsl({"req", "-x509", "-newkey", "ec", "-pkeyopt", kCurve, "-nodes", "-keyout", dir + "/ca.key",
                  "-out", dir + "/ca.pem", "-days", "3650", "-subj", "/O=PIAO Ledger/CN=PIAO Ledger local CA",
                  "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"},
                 log);
}

// A leaf certificate `cert`/`key` with common name `cn` and the extensions `ext`, signed by dir's CA.
absl::Status MakeLeaf(const std::string& dir, const std::string& cert, const std::string& key,
                      const std::string& cn, const std::string& ext, const std::string& log) {
  const std::string csr = cert + ".csr";
  const std::string ext_file = cert + ".ext";
  PIAO_RETURN_IF_ERROR(WriteFileAtomically(ext_file, ext));
  PIAO_RETURN_IF_ERROR(OpenSsl({"req", "-new", "-newkey", "ec", "-pkeyopt", kCurve, "-nodes", "-keyout", key,
                                "-out", csr, "-subj", "/O=PIAO Ledger/CN=" + cn},
                               log));
  PIAO_RETURN_IF_ERROR(OpenSsl({"x509", "-req", "-in", csr, "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key",
                                "-CAserial", dir + "/ca.srl", "-CAcreateserial", "-days", "825", "-out", cert,
                                "-extfile", ext_file},
                               log));
  std::error_code ec;
  fs::remove(csr, ec);
  fs::remove(ext_file, ec);
  return absl::OkStatus();
}

// Creates whatever of the CA and the certificates is missing in `dir` (which exists, mode 0700).
absl::Status Fill(const LocalPki& pki, const std::vector<std::string>& servers,
                  const std::vector<std::string>& clients) {
  const std::string log = pki.dir + "/openssl.log";
  if (!fs::exists(pki.ca_file()) || !fs::exists(pki.dir + "/ca.key")) PIAO_RETURN_IF_ERROR(MakeCa(pki.dir, log));
  for (const std::string& s : servers) {
    if (fs::exists(pki.server_cert(s)) && fs::exists(pki.server_key(s))) continue;
    PIAO_RETURN_IF_ERROR(MakeLeaf(pki.dir, pki.server_cert(s), pki.server_key(s), "piao-" + s,
                                  "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                  "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n",
                                  log));
  }
  for (const std::string& c : clients) {
    if (fs::exists(pki.client_cert(c)) && fs::exists(pki.client_key(c))) continue;
    PIAO_RETURN_IF_ERROR(MakeLeaf(pki.dir, pki.client_cert(c), pki.client_key(c), "piao-" + c + "-client",
                                  "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                                  "extendedKeyUsage=clientAuth\n",
                                  log));
  }
  std::error_code ec;
  fs::remove(log, ec);
  // openssl already creates keys 0600; make sure whatever the umask or version.
  for (const auto& entry : fs::directory_iterator(pki.dir, ec)) {
    if (entry.path().extension() == ".key" && ::chmod(entry.path().c_str(), 0600) != 0) {
      return absl::InternalError(absl::StrCat("chmod 0600 ", entry.path().string(), ": ", std::strerror(errno)));
    }
  }
  return absl::OkStatus();
}

}  // namespace

ChannelOptions LocalPki::ClientOptions(const std::string& name) const {
  ChannelOptions o;
  o.tls_ca_file = ca_file();
  o.tls_client_cert_file = client_cert(name);
  o.tls_client_key_file = client_key(name);
  return o;
}

absl::StatusOr<LocalPki> EnsureLocalPki(const std::string& dir, const std::vector<std::string>& servers,
                                        const std::vector<std::string>& clients) {
  for (const std::string& name : servers) {
    if (!ValidName(name)) return absl::InvalidArgumentError(absl::StrCat("certificate name '", name, "': use [a-z0-9-]"));
  }
  for (const std::string& name : clients) {
    if (!ValidName(name)) return absl::InvalidArgumentError(absl::StrCat("certificate name '", name, "': use [a-z0-9-]"));
  }
  LocalPki pki;
  pki.dir = fs::absolute(dir).lexically_normal().string();
  while (pki.dir.size() > 1 && pki.dir.back() == '/') pki.dir.pop_back();
  std::error_code ec;
  if (fs::exists(pki.dir, ec)) {
    if (!fs::is_directory(pki.dir, ec)) return absl::FailedPreconditionError(pki.dir + " is not a directory");
    if (::chmod(pki.dir.c_str(), 0700) != 0) {
      return absl::InternalError(absl::StrCat("chmod 0700 ", pki.dir, ": ", std::strerror(errno)));
    }
    PIAO_RETURN_IF_ERROR(Fill(pki, servers, clients));
    return pki;
  }
  // A fresh set: made in a private (0700, mkdtemp) directory beside it, then renamed into place.
  const fs::path parent = fs::path(pki.dir).parent_path();
  fs::create_directories(parent, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", parent.string(), ": ", ec.message()));
  std::string tmpl = (parent / (fs::path(pki.dir).filename().string() + ".tmp-XXXXXX")).string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", tmpl, ": ", std::strerror(errno)));
  }
  LocalPki staging;
  staging.dir = tmpl;
  absl::Status made = Fill(staging, servers, clients);
  if (made.ok() && ::rename(tmpl.c_str(), pki.dir.c_str()) != 0) {
    made = absl::InternalError(absl::StrCat("rename ", tmpl, " to ", pki.dir, ": ", std::strerror(errno)));
  }
  if (!made.ok()) {
    fs::remove_all(tmpl, ec);
    return made;
  }
  return pki;
}

}  // namespace piao::service
