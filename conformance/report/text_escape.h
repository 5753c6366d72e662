// UTF-8 checking and escaping, shared by the writers (internal: callers use
// report_writers.h, whose valid_utf8() and utf8_sanitized() live in
// text_escape.cc too).
//
// Every function decodes its input as UTF-8: invalid bytes and the XML
// non-characters U+FFFE and U+FFFF become U+FFFD. Control characters (C0 but
// \t and \n, DEL, C1) are not allowed raw in XML 1.0 or HTML and could drive
// a terminal: they become the visible text "\x1b" ("\u0085" for C1).
#pragma once

#include <string>
#include <string_view>

namespace xabi::conform::detail {

std::string xml_text(std::string_view s);  // XML element content
// A quoted XML attribute value: also keeps \n and \t from normalisation.
std::string xml_attr(std::string_view s);
std::string html(std::string_view s);   // HTML text or quoted attribute value
std::string plain(std::string_view s);  // a terminal: only control characters are made visible

}  // namespace xabi::conform::detail
