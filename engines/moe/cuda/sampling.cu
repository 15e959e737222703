// Next-token choice on the device (see sampling.h). Sampling sorts each row completely with a
// segmented radix sort on a 64-bit key that orders by descending logit and then ascending id, so
// the order is the CPU Sampler's whatever the sort's stability; one thread per row then walks the
// sorted prefix in double exactly as Sampler::sample does.
#include "engines/moe/cuda/sampling.h"

#include <cub/device/device_segmented_radix_sort.cuh>

#include <cmath>
#include <string>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/launch.h"

namespace rbench::moe::cuda {
namespace {

constexpr int kThreads = 256;
constexpr std::size_t kAlign = 256;  // each workspace array starts on a 256-byte boundary

std::size_t align_up(std::size_t bytes) {
  return (bytes + kAlign - 1) / kAlign * kAlign;
}

// The best of two (value, id) candidates: the higher value, ties to the lower id; id < 0 is none.
__device__ void take_better(float& v, int& id, float other_v, int other_id) {
  if (other_id < 0) return;
  if (id < 0 || other_v > v || (other_v == v && other_id < id)) {
    v = other_v;
    id = other_id;
  }
}

// One block per row. Each thread keeps the first maximum of its stride, then a tree of
// take_better picks the lowest id among the maxima: std::max_element's answer.
__global__ void argmax_kernel(const float* logits, int vocab, std::int32_t* ids) {
  const float* row = logits + static_cast<std::size_t>(blockIdx.x) * vocab;
  float v = 0.0f;
  int id = -1;
  for (int i = threadIdx.x; i < vocab; i += kThreads) take_better(v, id, row[i], i);
  for (int offset = kWarp / 2; offset > 0; offset /= 2) {
    const float ov = __shfl_xor_sync(kFullMask, v, offset);
    const int oid = __shfl_xor_sync(kFullMask, id, offset);
    take_better(v, id, ov, oid);
  }
  __shared__ float warp_v[kThreads / kWarp];
  __shared__ int warp_id[kThreads / kWarp];
  const int lane = threadIdx.x % kWarp;
  const int warp = threadIdx.x / kWarp;
  if (lane == 0) {
    warp_v[warp] = v;
    warp_id[warp] = id;
  }
  __syncthreads();
  if (threadIdx.x == 0) {
    for (int w = 1; w < kThreads / kWarp; ++w) take_better(v, id, warp_v[w], warp_id[w]);
    ids[blockIdx.x] = id;
  }
}

// The sort key of (logit, id): the logit's bits mapped to an unsigned order (-0 folded into +0,
// as the CPU's comparison sees them equal) in the high half, the complement of the id in the low
// half, so a descending sort puts higher logits first and, among equal logits, lower ids first.
__device__ unsigned long long sort_key(float logit, int id) {
  unsigned bits = __float_as_uint(logit == 0.0f ? 0.0f : logit);
  bits = (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
  return (static_cast<unsigned long long>(bits) << 32) | (0xffffffffu - static_cast<unsigned>(id));
}

__device__ int key_id(unsigned long long key) {
  return static_cast<int>(0xffffffffu - static_cast<unsigned>(key & 0xffffffffu));
}

__global__ void make_keys_kernel(const float* logits, int rows, int vocab, unsigned long long* keys,
                                 int* offsets) {
  const long long i = static_cast<long long>(blockIdx.x) * kThreads + threadIdx.x;
  const long long total = static_cast<long long>(rows) * vocab;
  if (i <= rows) offsets[i] = static_cast<int>(i * vocab);
  if (i >= total) return;
  keys[i] = sort_key(logits[i], static_cast<int>(i % vocab));
}

// One block per row: the weights exp((l - top) / T) of the kept candidates in parallel, then
// thread 0 sums, cuts and draws in order, in double, as Sampler::sample.
__global__ void pick_kernel(SampleParams p, const unsigned long long* sorted, double* weights) {
  const int r = blockIdx.x;
  const RowSampling s = p.settings[r];
  const std::size_t row = static_cast<std::size_t>(r) * p.vocab;
  const unsigned long long* keys = sorted + row;
  const float* logits = p.logits + row;
  if (s.temperature <= 0.0f) {  // greedy: the first of the order is the argmax
    if (threadIdx.x == 0) p.ids[r] = key_id(keys[0]);
    return;
  }
  int keep = p.vocab;
  if (s.top_k > 0 && s.top_k < p.vocab) keep = s.top_k;
  double* w = weights + row;
  const double inv_t = 1.0 / static_cast<double>(s.temperature);
  const double top = logits[key_id(keys[0])];
  for (int i = threadIdx.x; i < keep; i += kThreads) {
    w[i] = exp((static_cast<double>(logits[key_id(keys[i])]) - top) * inv_t);
  }
  __syncthreads();
  if (threadIdx.x != 0) return;
  double sum = 0.0;
  for (int i = 0; i < keep; ++i) sum += w[i];
  if (s.top_p < 1.0f) {
    const double top_p = s.top_p;
    double cumulative = 0.0;
    int cut = keep;
    for (int i = 0; i < keep; ++i) {
      cumulative += w[i] / sum;
      if (cumulative >= top_p) {
        cut = i + 1;
        break;
      }
    }
    keep = cut;
    sum = 0.0;
    for (int i = 0; i < keep; ++i) sum += w[i];
  }
  // uniform_real_distribution(0, sum): uniform * (sum - 0) + 0.
  const double u = __dadd_rn(__dmul_rn(s.uniform, sum), 0.0);
  double acc = 0.0;
  for (int i = 0; i < keep; ++i) {
    acc += w[i];
    if (u < acc) {
      p.ids[r] = key_id(keys[i]);
      return;
    }
  }
  p.ids[r] = key_id(keys[keep - 1]);
}

// The workspace: keys in and out ([rows][vocab] each), the weights ([rows][vocab] doubles), the
// segment offsets ([rows + 1]), then cub's scratch.
struct Layout {
  std::size_t keys_in = 0;
  std::size_t keys_out = 0;
  std::size_t weights = 0;
  std::size_t offsets = 0;
  std::size_t scratch = 0;
  std::size_t scratch_bytes = 0;
  std::size_t total = 0;
};

Layout layout(int rows, int vocab) {
  const std::size_t items = static_cast<std::size_t>(rows) * vocab;
  Layout l;
  l.keys_out = l.keys_in + align_up(items * sizeof(unsigned long long));
  l.weights = l.keys_out + align_up(items * sizeof(unsigned long long));
  l.offsets = l.weights + align_up(items * sizeof(double));
  l.scratch = l.offsets + align_up((static_cast<std::size_t>(rows) + 1) * sizeof(int));
  // Asking cub for its scratch size launches nothing and reads no data.
  const cudaError_t code = cub::DeviceSegmentedRadixSort::SortKeysDescending(
      nullptr, l.scratch_bytes, static_cast<const unsigned long long*>(nullptr),
      static_cast<unsigned long long*>(nullptr), static_cast<int>(items), rows,
      static_cast<const int*>(nullptr), static_cast<const int*>(nullptr), 0, 64, nullptr);
  if (code != cudaSuccess) {
    throw_cuda_error(code, "cub::DeviceSegmentedRadixSort::SortKeysDescending (scratch size)",
                     __FILE__, __LINE__);
  }
  l.total = l.scratch + align_up(l.scratch_bytes);
  return l;
}

void check_shape(const char* kernel, int rows, int vocab) {
  if (rows < 0 || vocab <= 0 || static_cast<long long>(rows) * vocab > 0x7fffffffLL) {
    bad_params(kernel, "rows " + std::to_string(rows) + ", vocab " + std::to_string(vocab) +
                           " (vocab positive, rows * vocab below 2^31)");
  }
}

}  // namespace

void argmax_rows(const float* logits, int rows, int vocab, std::int32_t* ids, cudaStream_t stream) {
  check_shape("argmax_rows", rows, vocab);
  if (!logits || !ids) bad_params("argmax_rows", "null pointer");
  if (rows == 0) return;
  argmax_kernel<<<rows, kThreads, 0, stream>>>(logits, vocab, ids);
  check_launch("argmax_kernel");
}

std::size_t sample_workspace_bytes(int rows, int vocab) {
  check_shape("sample_workspace_bytes", rows, vocab);
  if (rows == 0) return 0;
  return layout(rows, vocab).total;
}

void sample_rows(const SampleParams& p, cudaStream_t stream) {
  check_shape("sample_rows", p.rows, p.vocab);
  if (!p.logits || !p.settings || !p.ids) bad_params("sample_rows", "null pointer");
  if (p.rows == 0) return;
  if (!p.workspace) bad_params("sample_rows", "null workspace");
  if (reinterpret_cast<std::uintptr_t>(p.workspace) % kAlign != 0) {
    bad_params("sample_rows", "workspace not aligned to " + std::to_string(kAlign) + " bytes");
  }
  const Layout l = layout(p.rows, p.vocab);
  if (p.workspace_bytes < l.total) {
    bad_params("sample_rows", "workspace of " + std::to_string(p.workspace_bytes) +
                                  " bytes, needs " + std::to_string(l.total) + " for " +
                                  std::to_string(p.rows) + " rows of " + std::to_string(p.vocab));
  }
  auto* base = static_cast<unsigned char*>(p.workspace);
  auto* keys_in = reinterpret_cast<unsigned long long*>(base + l.keys_in);
  auto* keys_out = reinterpret_cast<unsigned long long*>(base + l.keys_out);
  auto* weights = reinterpret_cast<double*>(base + l.weights);
  auto* offsets = reinterpret_cast<int*>(base + l.offsets);
  const long long items = static_cast<long long>(p.rows) * p.vocab;
  const long long key_threads = items > p.rows ? items : p.rows + 1;
  make_keys_kernel<<<static_cast<unsigned>((key_threads + kThreads - 1) / kThreads), kThreads, 0,
                     stream>>>(p.logits, p.rows, p.vocab, keys_in, offsets);
  check_launch("sample make_keys_kernel");
  std::size_t scratch_bytes = l.scratch_bytes;
  const cudaError_t code = cub::DeviceSegmentedRadixSort::SortKeysDescending(
      base + l.scratch, scratch_bytes, keys_in, keys_out, static_cast<int>(items), p.rows, offsets,
      offsets + 1, 0, 64, stream);
  if (code != cudaSuccess) {
    throw_cuda_error(code, "cub::DeviceSegmentedRadixSort::SortKeysDescending", __FILE__, __LINE__);
  }
  check_launch("cub segmented radix sort");
  pick_kernel<<<p.rows, kThreads, 0, stream>>>(p, keys_out, weights);
  check_launch("sample pick_kernel");
}

}  // namespace rbench::moe::cuda
