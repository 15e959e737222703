#include "harness/core/clock.h"

namespace rbench {

const Clock& machine_clock() {
  static const SystemClock clock;  // stateless: nothing shared but the clocks themselves
  return clock;
}

}  // namespace rbench
