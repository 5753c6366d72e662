// xabi-gen: reads the ABI spec, checks it, and writes the generated artifacts.
//
//   xabi-gen --check SPEC [--profile P]     check only; exit 1 with file:line: messages
//   xabi-gen SPEC [--profile P] --out DIR   check, then write DIR/xabi/*.h... and DIR/abi.md
//   xabi-gen --version
//
// A profile (spec/linux_seccomp_host.textproto) adds one host's allow-list and
// launch parameters; without one, xabi/syscalls.hpp and linux_syscalls.h are empty.
//
// Exit statuses: kExitStatuses below (and --help). --out is created and
// probed before the spec is read, so an unusable directory is a usage error.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "emit.h"
#include "xabi/result.h"

namespace fs = std::filesystem;

namespace {

// The command's own failures (the spec's errors are diagnostics, diag.h).
#define XABI_GEN_CLI_ERRORS(X)                               \
  X(kUnusablePath, "a path given to xabi-gen is unusable")   \
  X(kCannotWrite, "an output file cannot be written")

XABI_ERROR_CODES(GenCliError, XABI_GEN_CLI_ERRORS)

using Status = xabi::Status<GenCliError>;
xabi::Error<GenCliError> unusable(std::string why) { return {GenCliError::kUnusablePath, std::move(why)}; }
xabi::Error<GenCliError> unwritable(std::string why) { return {GenCliError::kCannotWrite, std::move(why)}; }

constexpr int kExitSpecErrors = 1;
constexpr int kExitUsage = 2;
constexpr int kExitCannotWrite = 3;
constexpr int kExitInternal = 70;

constexpr const char* kExitStatuses =
    "Exit status:\n"
    "  0   the spec is valid (and, with --out, every file was written)\n"
    "  1   the spec cannot be read or has errors (file:line: messages on stderr)\n"
    "  2   usage error: an unknown option, a missing SPEC, neither --out nor --check,\n"
    "      an --out directory that cannot be created or written in\n"
    "  3   a generated file could not be written\n"
    "  70  an internal error in xabi-gen";

int usage_error(const std::string& what) {
  std::cerr << "xabi-gen: " << what << "\n";
  return kExitUsage;
}

// Writes only when the text changed, so unchanged outputs rebuild nothing.
// kCannotWrite, the detail why, when the file cannot be written.
Status write_if_changed(const fs::path& path, const std::string& text) {
  {
    std::ifstream in(path, std::ios::binary);
    std::stringstream old;
    if (in && fs::is_regular_file(path) && (old << in.rdbuf()) && old.str() == text) return {};
  }
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) return unwritable("cannot create " + path.parent_path().string() + ": " + ec.message());
  if (fs::is_directory(path, ec)) return unwritable("it is a directory");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return unwritable(std::strerror(errno));
  out << text;
  out.close();
  if (!out) return unwritable(std::strerror(errno));
  return {};
}

// Makes the --out directory and proves files can be created in it.
Status usable_out_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return unusable("cannot create it: " + ec.message());
  if (!fs::is_directory(dir, ec)) return unusable("not a directory");
  const std::string probe = dir + "/.xabi-gen-probe-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return unusable(std::string("cannot create files in it: ") + std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return {};
}

// The spec can be read as a file, else kUnusablePath and why not (load_abi
// would give a vaguer message, and for a directory a page of parse errors).
Status readable_spec(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return unusable(std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return unusable("it is a directory, not a spec file");
  if (::access(path.c_str(), R_OK) != 0) return unusable(std::strerror(errno));
  return {};
}

int run_main(int argc, char** argv) {
  CLI::App app{"xabi-gen: check the xabi ABI spec and generate code and docs from it"};
  // The spec version is that of spec/xabi.textproto when xabi-gen was built
  // (CMake reads it); xabi-gen itself generates for whatever spec it is given.
  app.set_version_flag("--version", "xabi-gen " XABI_PROJECT_VERSION " (xabi ABI spec version " XABI_SPEC_VERSION ")",
                       "print xabi-gen's version and the ABI spec version of its source tree, and exit");
  app.footer(kExitStatuses);
  std::string spec_path, profile_path, out_dir;
  bool check_only = false;
  app.add_option("spec", spec_path, "the spec (protobuf text format)")->required();
  app.add_flag("--check", check_only, "validate only");
  app.add_option("--profile", profile_path,
                 "a host profile beside the ABI (spec/linux_seccomp_host.textproto): its allow-list and launch parameters");
  app.add_option("--out", out_dir, "where to write the generated files (created if missing)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 checks for required arguments before it complains about extra
    // ones: name the unknown option rather than "spec is required".
    if (const auto rest = app.remaining(); !rest.empty() && dynamic_cast<const CLI::RequiredError*>(&e))
      return usage_error("unknown option \"" + rest.front() + "\" (see --help)");
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  if (!check_only && out_dir.empty()) return usage_error("give --out DIR, or --check");
  if (!check_only)
    if (auto usable = usable_out_dir(out_dir); !usable) return usage_error("--out " + out_dir + ": " + usable.error().detail);
  if (auto readable = readable_spec(spec_path); !readable) {
    std::cerr << spec_path << ": " << readable.error().detail << "\nxabi-gen: cannot read the spec " << spec_path << "\n";
    return kExitSpecErrors;
  }

  xabi::gen::Diagnostics diags(spec_path);
  auto abi = xabi::gen::load_abi(spec_path, diags);
  std::vector<std::string> errors = diags.errors();
  if (diags.ok() && !profile_path.empty()) {
    if (auto readable = readable_spec(profile_path); !readable) {
      std::cerr << profile_path << ": " << readable.error().detail << "\nxabi-gen: cannot read the profile " << profile_path
                << "\n";
      return kExitSpecErrors;
    }
    xabi::gen::Diagnostics profile_diags(profile_path);
    xabi::gen::load_profile(*abi, profile_path, profile_diags);
    errors = profile_diags.errors();
  }
  if (!errors.empty()) {
    for (const auto& e : errors) std::cerr << e << "\n";
    std::cerr << "xabi-gen: " << errors.size() << " error" << (errors.size() == 1 ? "" : "s") << "\n";
    return kExitSpecErrors;
  }
  if (check_only) return 0;

  using namespace xabi::gen;
  const fs::path out(out_dir);
  int status = 0;
  for (const Artifact& a : artifacts()) {
    if (auto written = write_if_changed(out / a.path, a.emit(*abi)); !written) {
      std::cerr << "xabi-gen: cannot write " << (out / a.path).string() << ": " << written.error().detail << "\n";
      status = kExitCannotWrite;
    }
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "xabi-gen: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "xabi-gen: internal error\n";
  }
  return kExitInternal;
}
