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

Status write_json(const Report& report, const std::string& path) {
  const std::string json = to_json(report);
  if (json.empty()) return Error{ConformError::kIo, "cannot convert the report to JSON"};
  return write_file_atomically(path, json);
}

Result<Report> parse_json(const std::string& json) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  Report report;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &report, options);
  if (!status.ok()) return Error{ConformError::kBadReport, std::string(status.message())};
  return report;
}

}  // namespace xabi::conform
