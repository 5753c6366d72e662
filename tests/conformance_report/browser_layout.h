// How report.html lays out in a real browser: headless Chromium loads a copy of
// the page with a probe script appended, and --dump-dom hands back what the
// probe measured after layout. Used by the report tests to show the page
// needs no horizontal scrolling at a given window width.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

struct PageWidth {
  int viewport = 0;  // document.documentElement.clientWidth
  int content = 0;   // document.documentElement.scrollWidth
  std::string wide;  // the first elements that reach past the viewport: tag, class, text
};

// The Chromium on PATH (Debian's `chromium`); empty if there is none.
inline std::string chromium_binary() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    const std::string probe = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(probe.c_str()) == 0) return name;
  }
  return "";
}

// Lays out `html` in a window `width` px wide. nullopt: the browser did not
// report (it failed to start, or the probe never ran).
inline std::optional<PageWidth> lay_out(const std::string& html, int width, const std::filesystem::path& scratch) {
  namespace fs = std::filesystem;
  fs::create_directories(scratch);
  const fs::path page = scratch / ("layout-" + std::to_string(width) + ".html");
  {
    std::ofstream out(page, std::ios::binary);
    out << html << R"(<script>
addEventListener('load', () => {
  const d = document.documentElement, w = d.clientWidth, wide = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.right > w + 1 && !e.closest('pre')) wide.push(e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 80));
  }
  const p = document.createElement('pre');
  p.id = 'xabi-layout';
  p.textContent = 'viewport=' + w + ' content=' + d.scrollWidth + '\n' + wide.slice(0, 5).join('\n');
  document.body.appendChild(p);
});
</script>)";
  }
  const std::string cmd = chromium_binary() + " --headless --no-sandbox --disable-gpu --user-data-dir=" +
                          (scratch / "profile").string() + " --window-size=" + std::to_string(width) +
                          ",1200 --dump-dom file://" + fs::absolute(page).string() + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string dom;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) dom.append(buf, n);
  pclose(p);
  const size_t at = dom.find("<pre id=\"xabi-layout\">");
  if (at == std::string::npos) return std::nullopt;
  const size_t body = at + 22, end = dom.find("</pre>", body);
  std::istringstream text(dom.substr(body, end - body));
  PageWidth w;
  std::string first;
  std::getline(text, first);
  if (std::sscanf(first.c_str(), "viewport=%d content=%d", &w.viewport, &w.content) != 2) return std::nullopt;
  std::ostringstream rest;
  rest << text.rdbuf();
  w.wide = rest.str();
  return w;
}
