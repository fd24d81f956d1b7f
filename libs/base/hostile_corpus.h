// Hostile identifiers and texts shared by the tests that prove they are refused (or, as free text, stored
// intact) at every door: the libraries, the gRPC services and the CLI.
#ifndef PIAO_LIBS_BASE_HOSTILE_CORPUS_H_
#define PIAO_LIBS_BASE_HOSTILE_CORPUS_H_

#include <string>
#include <vector>

namespace piao::testing {

struct HostileValue {
  std::string name;
  std::string bytes;
  bool valid_identifier;  // accepted as an identifier
  bool valid_text;        // accepted as free text (valid UTF-8)
};

inline std::vector<HostileValue> HostileCorpus() {
  std::vector<HostileValue> out;
  out.push_back({"nul inside", std::string("O1\0X", 4), false, true});
  for (int c = 1; c < 0x20; ++c) {
    out.push_back({"C0 control " + std::to_string(c), std::string("O") + static_cast<char>(c) + "1", false, true});
  }
  out.push_back({"DEL", "O\x7f" "1", false, true});
  out.push_back({"C1 control (U+0085)", "O\xc2\x85" "1", false, true});
  out.push_back({"lone high surrogate (CESU)", "O\xed\xa0\x80" "1", false, false});
  out.push_back({"lone low surrogate (CESU)", "O\xed\xbf\xbf" "1", false, false});
  out.push_back({"overlong slash", "O\xc0\xaf" "1", false, false});
  out.push_back({"truncated sequence", "O\xe2\x82", false, false});
  out.push_back({"bare continuation byte", "O\x80" "1", false, false});
  out.push_back({"above U+10FFFF", "O\xf4\x90\x80\x80", false, false});
  out.push_back({"10 kB code", std::string(10 * 1024, 'A'), false, true});
  out.push_back({"right-to-left override", "O1\xe2\x80\xae" "lmx.exe", false, true});
  out.push_back({"right-to-left mark", "\xe2\x80\x8fO1", false, true});
  out.push_back({"zero-width space", "O\xe2\x80\x8b" "1", false, true});
  out.push_back({"byte order mark", "\xef\xbb\xbfO1", false, true});
  out.push_back({"leading space", " O1", false, true});
  out.push_back({"trailing no-break space", "O1\xc2\xa0", false, true});
  out.push_back({"emoji", "OBIETTIVO-\xf0\x9f\x93\x88", true, true});
  out.push_back({"dot-dot-slash", "../../etc/passwd", true, true});
  out.push_back({"accented Italian", "Qualit\xc3\xa0-1.2", true, true});
  out.push_back({"256 bytes", std::string(256, 'x'), true, true});
  out.push_back({"257 bytes", std::string(257, 'x'), false, true});
  return out;
}

}  // namespace piao::testing

#endif  // PIAO_LIBS_BASE_HOSTILE_CORPUS_H_
