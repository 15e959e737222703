// Typed errors that abort a command. Expected per-item failures (a 429, an unparsable answer)
// are values stored with the sample, never exceptions.
#pragma once

#include <stdexcept>
#include <string>

namespace rbench {

// Base for every error rbench reports to the user: the message says what was wrong and where.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Bad input data: a suite file, a model profile, a checkpoint. The message carries file:line.
class DataError : public Error {
 public:
  using Error::Error;
};

// Wrong command-line or configuration usage.
class UsageError : public Error {
 public:
  using Error::Error;
};

// The machine lacks what was asked for: a device (--device cuda where there is none), a shared
// library it needs. Reported like a usage error (exit 2), in one line saying what is missing.
class SetupError : public Error {
 public:
  using Error::Error;
};

}  // namespace rbench
