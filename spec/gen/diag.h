// Diagnostics of xabi-gen: every checking pass reports all it finds, each as
// `file:line:col: message`, before the generator stops.
#pragma once

#include <string>
#include <vector>

namespace xabi::gen {

// A place in the spec file. Lines and columns count from 1; 0 means unknown.
struct Loc {
  int line = 0;
  int col = 0;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void error(Loc at, std::string message) {
    errors_.push_back(format(at, message));
  }
  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  const std::string& file() const { return file_; }

  std::string format(Loc at, const std::string& message) const {
    std::string s = file_;
    if (at.line > 0) s += ":" + std::to_string(at.line);
    if (at.col > 0) s += ":" + std::to_string(at.col);
    return s + ": " + message;
  }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

}  // namespace xabi::gen
