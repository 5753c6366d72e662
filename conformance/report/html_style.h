// The inline style sheet of report.html (the report is one file, with no
// external resources). Internal to html_writer.cc.
#pragma once

#include <string_view>

namespace xabi::conform::detail {

inline constexpr std::string_view kCss = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1200px;color:#1d1d1f;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.8em}
table{border-collapse:collapse;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f0f0f3}
td.n{text-align:right;font-variant-numeric:tabular-nums}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dl.meta dt{font-weight:600}dl.meta dd{margin:0}
pre{background:#f6f6f8;border:1px solid #ddd;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
code{background:#f6f6f8;padding:0 .2em}
.pass{background:#d4f7d4}.fail{background:#ffc9c9}.xpass{background:#ffb3d9}
.xfail{background:#ffe5b4}.skip{background:#e4e4e8}.unspecified{background:#ff8080}.none{color:#999}
tr.group th{background:#dde3f0}
tr.survivor td{background:#ffc9c9;font-weight:600}
.verdict-pass{color:#137333;font-weight:700}.verdict-fail{color:#b00020;font-weight:700}
.side{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.case{border:1px solid #ccc;border-left:6px solid #b00020;padding:.2em 1em 1em;margin:1em 0}
.case.xpass{border-left-color:#c0157a;background:none}
.legend span{padding:0 .5em;margin-right:.4em}
svg.bar{vertical-align:middle;border:1px solid #bbb;width:7em;height:.9em}
svg.bar rect.pass{fill:#3a9d4f}svg.bar rect.fail{fill:#d93636}svg.bar rect.xpass{fill:#c0157a}
svg.bar rect.xfail{fill:#f0a830}svg.bar rect.skip{fill:#c8c8cf}svg.bar rect.none{fill:#eee}
svg.bar rect.dmed{fill:#3b6ea8}svg.bar rect.dmax{fill:#a9c4e4}svg.bar rect.dnone{fill:#fff}
a.cell{color:inherit;text-decoration:none;display:block}a.cell:hover{text-decoration:underline}
tr.call th{background:#f6f6f8;font-weight:400}
tr.last td{background:#fff0f0;font-weight:600}
p.step code{font-size:105%}p.back{margin:0;font-size:90%}
td small{color:#555}
nav.toc{background:#f6f6f8;border:1px solid #ddd;padding:.4em 1em;margin:1em 0;display:inline-block}
nav.toc ol{margin:.3em 0 0;padding-left:1.4em}
td code{word-break:break-all}
td.text{overflow-wrap:anywhere}  /* free text may hold a long token (a call with its arguments) */
@media (max-width:900px){body{font-size:90%}th,td{padding:.2em .35em}}
)";

}  // namespace xabi::conform::detail
