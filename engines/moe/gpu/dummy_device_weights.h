// A dummy model's weights made in device memory (`--load-format dummy --device cuda`): for each
// matrix of the host's shape-only ModelWeights (random_weights with shapes_only), an allocation
// of its shape filled by cuda::random_fill with the values random_weights gives it, bit for bit;
// the small vectors (norms, the router's bias) uploaded from the host, which generated them; and
// kv_b_f32 dequantised from kv_b_proj on the device. The host never holds the matrices.
#pragma once

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/gpu/device_weights.h"
#include "engines/moe/model/random_weights.h"
#include "engines/moe/model/weights.h"

namespace rbench::moe::gpu {

// On the calling thread's current device. `shapes` and `options` as random_weights made them
// (options.shapes_only set); the seed and dtypes are taken from them.
DeviceWeights generate_device_weights(const ModelWeights& shapes, const ModelConfig& config,
                                      const RandomWeightsOptions& options);

}  // namespace rbench::moe::gpu
