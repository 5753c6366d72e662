// report.json: protobuf's JSON mapping of report.proto. See report_writers.h.
#include <google/protobuf/util/json_util.h>

#include "conformance/report/report_writers.h"

namespace xabi::conform {

std::string to_json(const Report& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = false;  // lowerCamelCase, as published
  std::string out;
  const auto status =
      google::protobuf::util::MessageToJsonString(utf8_sanitized(report), &out, options);
  if (!status.ok()) return {};  // cannot happen for a valid-UTF-8 Report
  return out;
}

bool write_json(const Report& report, const std::string& path, std::string* error) {
  const std::string json = to_json(report);
  if (json.empty()) {
    if (error) *error = "cannot convert the report to JSON";
    return false;
  }
  return write_file_atomically(path, json, error);
}

bool parse_json(const std::string& json, Report* report, std::string* error) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  report->Clear();
  const auto status = google::protobuf::util::JsonStringToMessage(json, report, options);
  if (!status.ok()) {
    if (error) *error = std::string(status.message());
    return false;
  }
  return true;
}

}  // namespace xabi::conform
