// One measurement line for scripts/gpu-check's summary: `gpu-check: {json}` on stdout, which the
// script collects from every log into summary.json's "measurements" and a table in summary.md.
#pragma once

#include <iostream>
#include <string>

#include "harness/core/json_writer.h"

namespace rbench::test {

// A logit comparison: the largest |device - cpu|, the largest |cpu logit|, their ratio and the
// tolerance the test held it to.
inline void report_logit_diff(const std::string& check, const std::string& variant, double max_abs,
                              double max_logit, double tolerance) {
  json::Writer w;
  w.object({{"check", check},
            {"variant", variant},
            {"max_abs_diff", max_abs},
            {"max_logit", max_logit},
            {"relative", max_logit > 0 ? max_abs / max_logit : max_abs},
            {"tolerance", tolerance}});
  std::cout << "gpu-check: " << w.str() << "\n";
}

}  // namespace rbench::test
