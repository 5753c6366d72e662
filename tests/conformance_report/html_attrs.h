// Reading report.html in tests: shared by the writer tests and the run test.
#pragma once

#include <string>
#include <vector>

// Every value of `attr="..."` in `h`, in order.
inline std::vector<std::string> attr_values(const std::string& h, const std::string& attr) {
  std::vector<std::string> out;
  const std::string key = " " + attr + "=\"";
  for (size_t at = h.find(key); at != std::string::npos; at = h.find(key, at + 1)) {
    const size_t v = at + key.size();
    out.push_back(h.substr(v, h.find('"', v) - v));
  }
  return out;
}
