#include "engines/api/engine.h"

namespace rbench {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::none:
      return "none";
    case ErrorKind::http:
      return "http";
    case ErrorKind::timeout:
      return "timeout";
    case ErrorKind::connection:
      return "connection";
    case ErrorKind::protocol:
      return "protocol";
    case ErrorKind::cancelled:
      return "cancelled";
    case ErrorKind::engine:
      return "engine";
  }
  return "unknown";
}

}  // namespace rbench
