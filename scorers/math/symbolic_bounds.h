// Size bounds of the symbolic checker (no GiNaC): estimates of the digits and terms that
// simplification would build, checked on the caller's thread before a tree is handed to GiNaC.
#pragma once

#include <optional>
#include <string>

#include "scorers/math/expr.h"
#include "scorers/math/symbolic.h"

namespace rbench::math::detail {

// Why `e` is too big to simplify within `bounds` (the first bound broken); nullopt when it fits.
std::optional<std::string> over_bounds(const Expr& e, const SymbolicBounds& bounds);

}  // namespace rbench::math::detail
