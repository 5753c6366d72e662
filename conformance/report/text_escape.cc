// UTF-8 decoding, escaping for each output format and UTF-8 sanitising of a
// whole Report. See text_escape.h and report_writers.h.
#include "conformance/report/text_escape.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <cstdio>

#include "conformance/report/report_writers.h"

namespace xabi::conform {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes the code point at s[i]. Returns the number of bytes it takes; an
// invalid byte (bad lead, overlong, surrogate, > U+10FFFF, truncated) yields
// U+FFFD and takes exactly one byte, so decoding resynchronises at once.
size_t decode_utf8(std::string_view s, size_t i, char32_t* cp) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char c = b(0);
  const size_t left = s.size() - i;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF && left >= 2 && is_cont(b(1))) {
    *cp = (char32_t(c & 0x1F) << 6) | (b(1) & 0x3F);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF && left >= 3) {
    const unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // no surrogates
    if (b(1) >= lo && b(1) <= hi && is_cont(b(2))) {
      *cp = (char32_t(c & 0x0F) << 12) | (char32_t(b(1) & 0x3F) << 6) | (b(2) & 0x3F);
      return 3;
    }
  }
  if (c >= 0xF0 && c <= 0xF4 && left >= 4) {
    const unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // <= U+10FFFF
    if (b(1) >= lo && b(1) <= hi && is_cont(b(2)) && is_cont(b(3))) {
      *cp = (char32_t(c & 0x07) << 18) | (char32_t(b(1) & 0x3F) << 12) |
            (char32_t(b(2) & 0x3F) << 6) | (b(3) & 0x3F);
      return 4;
    }
  }
  *cp = kReplacement;
  return 1;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

enum class Escape {
  kXmlText,  // element content
  kXmlAttr,  // a quoted attribute value: also keeps \n and \t from normalisation
  kHtml,     // HTML text or quoted attribute value
  kPlain,    // a terminal: only control characters are made visible
};


// Escapes `text` for `mode` (see text_escape.h).
std::string escape(std::string_view text, Escape mode) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  const bool markup = mode != Escape::kPlain;
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    i += decode_utf8(text, i, &cp);
    if (cp == 0xFFFE || cp == 0xFFFF) cp = kReplacement;
    if (markup) {
      switch (cp) {
        case '&': out += "&amp;"; continue;
        case '<': out += "&lt;"; continue;
        case '>': out += "&gt;"; continue;
        case '"': out += "&quot;"; continue;
        case '\'': out += "&#39;"; continue;
        case '\r': out += "&#13;"; continue;
        default: break;
      }
    }
    if (cp == '\n' || cp == '\t') {
      if (mode == Escape::kXmlAttr)
        out += cp == '\n' ? "&#10;" : "&#9;";
      else
        out += static_cast<char>(cp);
      continue;
    }
    if (cp < 0x20 || cp == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
      out += buf;
      continue;
    }
    if (cp >= 0x80 && cp <= 0x9F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
      out += buf;
      continue;
    }
    append_utf8(out, cp);
  }
  return out;
}

// --- UTF-8 sanitising through reflection ---------------------------------------

void sanitize_message(google::protobuf::Message* m) {
  const auto* desc = m->GetDescriptor();
  const auto* refl = m->GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const auto* field = desc->field(i);
    using FD = google::protobuf::FieldDescriptor;
    if (field->cpp_type() == FD::CPPTYPE_STRING) {
      if (field->is_repeated()) {
        for (int k = 0; k < refl->FieldSize(*m, field); ++k)
          refl->SetRepeatedString(m, field, k, valid_utf8(refl->GetRepeatedString(*m, field, k)));
      } else if (refl->HasField(*m, field)) {
        refl->SetString(m, field, valid_utf8(refl->GetString(*m, field)));
      }
    } else if (field->cpp_type() == FD::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int k = 0; k < refl->FieldSize(*m, field); ++k)
          sanitize_message(refl->MutableRepeatedMessage(m, field, k));
      } else if (refl->HasField(*m, field)) {
        sanitize_message(refl->MutableMessage(m, field));
      }
    }
  }
}

}  // namespace

namespace detail {

std::string xml_text(std::string_view s) { return escape(s, Escape::kXmlText); }
std::string xml_attr(std::string_view s) { return escape(s, Escape::kXmlAttr); }
std::string html(std::string_view s) { return escape(s, Escape::kHtml); }
std::string plain(std::string_view s) { return escape(s, Escape::kPlain); }

}  // namespace detail

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    const size_t n = decode_utf8(text, i, &cp);
    if (cp == kReplacement && n == 1)
      append_utf8(out, kReplacement);
    else
      out.append(text.substr(i, n));
    i += n;
  }
  return out;
}

Report utf8_sanitized(const Report& report) {
  Report copy = report;
  sanitize_message(&copy);
  return copy;
}

}  // namespace xabi::conform
