// --device: which device runs the built-in engine's forward pass. "cpu" is the reference;
// "cuda" or "cuda:N" uploads the weights to CUDA device N (0 by default) and runs the forward
// pass there (engines/moe/gpu). A device that cannot be had is a set-up error (DeviceError, exit
// 2) with one line saying why: built without CUDA, no driver, no such device.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "engines/moe/model/forward_model.h"
#include "engines/moe/model/random_weights.h"
#include "engines/moe/model/weights.h"
#include "harness/core/error.h"

namespace rbench::moe {

struct DeviceSpec {
  enum class Kind { cpu, cuda };
  Kind kind = Kind::cpu;
  int ordinal = 0;
  std::string str() const;  // "cpu" or "cuda:N"
};

// "cpu", "cuda", "cuda:N". UsageError naming the value otherwise.
DeviceSpec parse_device(std::string_view text);

// Empty when this build can run on `spec` and the device is there; otherwise the reason, in a
// few words ("rbench was built without CUDA", "no CUDA device: cudaErrorNoDevice (...)").
std::string device_unavailable(const DeviceSpec& spec);

// Loads DIR on `spec`: the CPU Model, or that plus its copy on the CUDA device. Throws
// SetupError (exit 2) when the device is unavailable, DataError for a malformed checkpoint.
std::shared_ptr<const ForwardModel> load_model(const std::filesystem::path& dir,
                                               const DeviceSpec& spec,
                                               WeightLoadOptions options = {});

// `--load-format dummy`: random weights of spec's shape on `device`. On the CPU, a Model over
// random_weights(); on CUDA, weights generated in device memory (the host keeps their shapes
// only), refused with SetupError when they do not fit the device's free memory.
std::shared_ptr<const ForwardModel> load_dummy_model(const DummySpec& spec,
                                                     const DeviceSpec& device);

}  // namespace rbench::moe
