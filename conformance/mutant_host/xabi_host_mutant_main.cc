// xabi-host-mutant: xabi-host with one deliberate fault, named by the
// environment variable XABI_MUTANT, for testing that a conformance suite
// notices a broken host (docs/mutants.md).
//
//   xabi-host-mutant mutants                        # the list, as JSON
//   XABI_MUTANT=write_drops xabi-host-mutant run IMAGE [-- ARGS...]
//
// The CLI is xabi-host's (monitor/app/host_cli.h), built from the
// -DXABI_MUTANTS copies of the monitor libraries (the deep injection points).
// The faults that can be produced outside the real host are the hooks below:
// the launch spec, a decorator of each picoprocess's host (MutantHandler), and
// what serve() returned.
#include <iostream>
#include <nlohmann/json.hpp>

#include "host_cli.h"
#include "mutant_handler.h"
#include "mutant_list.h"

namespace {

constexpr int kExitUsage = 2;

int print_list() {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : xabi::mutants::all())
    list.push_back({{"name", m.name}, {"group", m.group}, {"fault", m.fault}, {"catch", m.catch_it}});
  std::cout << list.dump(2) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  using xabi::mutants::Id;
  if (std::string_view value; xabi::mutants::unknown_selected(&value)) {
    std::cerr << "xabi-host-mutant: XABI_MUTANT=\"" << value
              << "\" is not a mutant (`xabi-host-mutant mutants` lists them)\n";
    return kExitUsage;
  }
  xabi::app::HostCli cli{.name = "xabi-host-mutant",
                         .about = "xabi-host-mutant: xabi-host with the fault named by $XABI_MUTANT (docs/mutants.md)",
                         .built_bootstrap = XABI_DEFAULT_BOOTSTRAP,
                         .installed_bootstrap = ""};  // never installed
  cli.commands.push_back({"mutants", "print the mutants as a JSON array of {name, group, fault, catch}", print_list});
  if (const int selected = xabi::mutants::selected(); selected >= 0) {
    const Id m = static_cast<Id>(selected);
    const std::string name(xabi::mutants::all()[selected].name);
    cli.adjust_launch = [m, name](xabi::launch::LaunchSpec& spec) {
      spec.bootstrap_arg = "mutant=" + name;  // xabi-bootstrap-mutant: the PAL's own mutants
      if (m == Id::args_drop_last) spec.args.pop_back();  // the guest never sees the last argument
      if (m == Id::threads_unbounded) spec.use_cgroups = spec.use_rlimit_threads = false;
    };
    cli.host = xabi::mutants::mutant_host_hooks(m);
    cli.adjust_served = [m](xabi::app::Served& served) {
      if (m == Id::violation_not_reported) served.reports.clear();
      if (m == Id::exit_status_off && served.exit.exited) served.exit.code = (served.exit.code + 1) % 256;
    };
  }
  return xabi::app::host_main(argc, argv, cli);
}
