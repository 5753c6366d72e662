// Cases made in code: isolation cases from the spec's system-call allow-list
// (every x86-64 system call outside it, and arguments each of its argument
// checks must refuse), the fd inspection case, and fault-isolation cases
// (a crashing, CPU-hogging, memory-hogging or blocked picoprocess beside a
// healthy one).
#pragma once

#include <vector>

#include "case.h"

namespace xabi::conform {

void isolation_cases(std::vector<Case>& out);
void fault_cases(std::vector<Case>& out);

// The healthy neighbour's call latency may grow at most this much while a
// hostile picoprocess runs beside it (median of the round trips).
inline constexpr double kLatencyFactor = 10.0;
inline constexpr double kLatencyFloorMs = 20.0;  // below this, any growth is accepted (a few scheduler ticks)

}  // namespace xabi::conform
