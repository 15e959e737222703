#include "engines/moe/engine/device_model.h"

#include <fmt/format.h>

#include <charconv>

#include "engines/moe/model/model.h"
#if RBENCH_HAVE_CUDA
#include "engines/moe/gpu/cuda_model.h"
#endif

namespace rbench::moe {

std::string DeviceSpec::str() const {
  return kind == Kind::cpu ? std::string("cpu") : fmt::format("cuda:{}", ordinal);
}

DeviceSpec parse_device(std::string_view text) {
  if (text == "cpu") return {};
  if (text == "cuda") return {DeviceSpec::Kind::cuda, 0};
  if (text.starts_with("cuda:")) {
    const std::string_view digits = text.substr(5);
    int ordinal = -1;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), ordinal);
    if (ec == std::errc{} && end == digits.data() + digits.size() && !digits.empty() &&
        ordinal >= 0) {
      return {DeviceSpec::Kind::cuda, ordinal};
    }
  }
  throw UsageError(
      fmt::format("--device '{}' is not one of cpu, cuda, cuda:N (N a device number)", text));
}

std::string device_unavailable(const DeviceSpec& spec) {
  if (spec.kind == DeviceSpec::Kind::cpu) return {};
#if RBENCH_HAVE_CUDA
  return gpu::cuda_unavailable(spec.ordinal);
#else
  return "rbench was built without CUDA (no nvcc found at configure time, or -DRBENCH_CUDA=OFF)";
#endif
}

std::shared_ptr<const ForwardModel> load_model(const std::filesystem::path& dir,
                                               const DeviceSpec& spec, WeightLoadOptions options) {
  // Checked before the weights are read: a missing device should not cost a long load.
  if (const std::string why = device_unavailable(spec); !why.empty()) {
    throw SetupError(fmt::format("--device {}: {}", spec.str(), why));
  }
  std::shared_ptr<const Model> host = Model::load(dir, options);
  if (spec.kind == DeviceSpec::Kind::cpu) return host;
#if RBENCH_HAVE_CUDA
  auto model = gpu::load_cuda_model(std::move(host), spec.ordinal);
  // The run's first line says which device and, until scripts/gpu-check has passed on a GPU,
  // that this path is unvalidated.
  fmt::print(stderr, "rbench: {}\n", model->describe_device());
  return model;
#else
  return host;  // unreachable: device_unavailable() said why above
#endif
}

std::shared_ptr<const ForwardModel> load_dummy_model(const DummySpec& spec,
                                                     const DeviceSpec& device) {
  const ModelConfig config = dummy_config(spec);
  if (const std::string why = device_unavailable(device); !why.empty()) {
    throw SetupError(fmt::format("--device {}: {}", device.str(), why));
  }
  if (device.kind == DeviceSpec::Kind::cpu) {
    return std::make_shared<const Model>(config,
                                         random_weights(config, dummy_weights_options(spec)));
  }
#if RBENCH_HAVE_CUDA
  auto model = gpu::load_dummy_cuda_model(config, dummy_weights_options(spec), device.ordinal);
  fmt::print(stderr, "rbench: {}\n", model->describe_device());
  return model;
#else
  // Unreachable: device_unavailable() said why above.
  return nullptr;
#endif
}

}  // namespace rbench::moe
