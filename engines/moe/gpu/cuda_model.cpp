#include "engines/moe/gpu/cuda_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <climits>
#include <compare>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "engines/moe/cuda/bandwidth.h"
#include "engines/moe/cuda/blas.h"
#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/device.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/elementwise.h"
#include "engines/moe/cuda/graph.h"
#include "engines/moe/cuda/kernels.h"
#include "engines/moe/cuda/mla.h"
#include "engines/moe/cuda/moe.h"
#include "engines/moe/cuda/pinned_buffer.h"
#include "engines/moe/cuda/sampling.h"
#include "engines/moe/cuda/stream.h"
#include "engines/moe/cuda/weights.h"
#include "engines/moe/gpu/device_weights.h"
#include "engines/moe/gpu/dummy_device_weights.h"
#include "engines/moe/gpu/paged_cache.h"
#include "engines/moe/model/rope.h"

namespace rbench::moe::gpu {
namespace {

// As model.cpp: the reference builds q_a_layernorm and kv_a_layernorm with the RMSNorm default.
constexpr float kLoraNormEps = 1e-6f;
// Products of at most this many rows use the batch-invariant gemv kernel (cuda_model.h).
constexpr int kGemvRowsMax = 64;
constexpr int kBlockSize = 64;

// Decode steps whose rows (padding included) fit the gemv run as a captured CUDA graph: batches
// padded up to one of these sizes, so that a handful of graphs serve every batch. Past
// kGemvRowsMax rows (so no 128) the products go to cuBLAS, which is not batch-invariant (padding
// would change the bits) and may allocate during capture, so such steps run without a graph.
constexpr int kGraphBatches[] = {1, 2, 4, 8, 16, 32, 64};
// A graph's attention grid covers a length bucket, not the exact longest length, so that it
// serves every length in its bucket: the longest causal length rounded up to a power of two, at
// least 1024 (4 splits of kAttentionSplitLen). Splits past a token's own length exit at once, so a
// bucket costs at most twice the (empty) blocks of the exact length and never changes a result;
// powers of two keep the graphs few (one per doubling of the context).
constexpr int kMinLengthBucket = 1024;

int length_bucket(int max_length) {
  return std::max(kMinLengthBucket,
                  static_cast<int>(std::bit_ceil(static_cast<unsigned>(std::max(max_length, 1)))));
}

// Shared by a model's scratch buffers: a buffer's address changes only when it grows, which
// bumps `generation` (every captured graph holds the old addresses, so all are recaptured).
// Growth during a capture would free memory a graph is being built over: refused.
struct ScratchState {
  std::uint64_t generation = 0;
  bool capturing = false;
};

// A device buffer that only grows: the forward pass's scratch, reused across calls.
template <typename T>
class Scratch {
 public:
  explicit Scratch(ScratchState* state) : state_(state) {}
  T* get(std::size_t count) {
    if (buffer_.size() < count) {
      if (state_->capturing) {
        throw std::logic_error(fmt::format(
            "CUDA graph capture: a scratch buffer must grow from {} to {} elements, but the "
            "capture follows an eager run of the same shape",
            buffer_.size(), count));
      }
      buffer_ = cuda::DeviceBuffer<T>(std::max<std::size_t>(count, 1));
      ++state_->generation;
    }
    return buffer_.data();
  }

 private:
  ScratchState* state_;
  cuda::DeviceBuffer<T> buffer_;
};

// Makes `ordinal` the calling thread's device for the scope and restores the previous one.
class DeviceScope {
 public:
  explicit DeviceScope(int ordinal) {
    RBENCH_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != ordinal) RBENCH_CUDA_CHECK(cudaSetDevice(ordinal));
  }
  ~DeviceScope() { cudaSetDevice(previous_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

cuda::Scoring scoring(const ModelConfig& c) {
  return c.scoring_func == ScoringFunc::softmax ? cuda::Scoring::softmax : cuda::Scoring::sigmoid;
}

cuda::TopkMethod topk_method(const ModelConfig& c) {
  switch (c.topk_method) {
    case TopkMethod::greedy:
      return cuda::TopkMethod::greedy;
    case TopkMethod::group_limited_greedy:
      return cuda::TopkMethod::group_limited_greedy;
    case TopkMethod::noaux_tc:
      return cuda::TopkMethod::noaux_tc;
  }
  return cuda::TopkMethod::greedy;
}

void check_token(std::int32_t t, int vocab) {
  if (t < 0 || t >= vocab) {
    throw std::out_of_range(
        fmt::format("token id {} is outside the vocabulary (size {})", t, vocab));
  }
}

// A MoE layer's routed experts as the grouped gemv reads them: each projection's WeightView per
// expert, on the device (the experts are separate allocations). `usable` when every expert has
// one type, shape and size and gemv would take the same path for each (always so for a loaded
// checkpoint; otherwise the layer keeps the per-expert path, which gives the same bits).
struct ExpertTable {
  struct Projection {
    cuda::DeviceBuffer<cuda::WeightView> views;
    cuda::WeightType type = cuda::WeightType::f32;
    int rows = 0;
    int cols = 0;
    bool vector = false;
  };
  Projection gate, up, down;
  bool usable = false;
  std::int64_t expert_bytes = 0;  // one expert's three matrices, scales included
};

ExpertTable::Projection projection_table(const std::vector<DeviceMlp>& experts,
                                         const DeviceMatrix DeviceMlp::*which, bool& usable) {
  ExpertTable::Projection p;
  std::vector<cuda::WeightView> views;
  for (const DeviceMlp& e : experts) {
    const cuda::WeightView v = (e.*which).view();
    const bool vector = cuda::grouped_gemv_uses_vector_loads(v);
    if (views.empty()) {
      p.type = v.type;
      p.rows = v.rows;
      p.cols = v.cols;
      p.vector = vector;
    } else if (v.type != p.type || v.rows != p.rows || v.cols != p.cols || vector != p.vector) {
      usable = false;
    }
    views.push_back(v);
  }
  p.views = cuda::DeviceBuffer<cuda::WeightView>(std::span<const cuda::WeightView>(views));
  return p;
}

ExpertTable expert_table(const DeviceMoe& m) {
  ExpertTable t;
  t.usable = !m.experts.empty() && m.experts.size() <= static_cast<std::size_t>(cuda::kMaxExperts);
  if (!t.usable) return t;
  t.gate = projection_table(m.experts, &DeviceMlp::gate_proj, t.usable);
  t.up = projection_table(m.experts, &DeviceMlp::up_proj, t.usable);
  t.down = projection_table(m.experts, &DeviceMlp::down_proj, t.usable);
  const auto bytes = [](const DeviceMlp& e) {
    return static_cast<std::int64_t>(e.gate_proj.bytes() + e.up_proj.bytes() + e.down_proj.bytes());
  };
  t.expert_bytes = bytes(m.experts.front());
  for (const DeviceMlp& e : m.experts) {
    if (bytes(e) != t.expert_bytes) t.usable = false;
  }
  return t;
}

// One graph per step shape; see CudaModel::run_step.
struct GraphKey {
  int batch = 0;      // inputs, padding included
  int per_input = 0;  // tokens per input: 1, or 2 (a drafted step)
  int bucket = 0;     // length_bucket
  bool sampled = false;
  auto operator<=>(const GraphKey&) const = default;
};

struct GraphEntry {
  cuda::GraphExec exec;
  std::uint64_t generation = 0;           // the scratch generation it was captured at
  void* const* blocks = nullptr;          // the block pointer array it reads
  std::uint64_t warm_generation = ~0ull;  // an eager run of this shape sized the scratch then
};

class CudaModel final : public ForwardModel {
 public:
  CudaModel(std::shared_ptr<const Model> host, int ordinal, cuda::DeviceInfo info)
      : CudaModel(host, ordinal, std::move(info), upload(host->weights())) {}
  // Over weights already on the device (a dummy model's, generated there; `host` then holds
  // their shapes only).
  CudaModel(std::shared_ptr<const Model> host, int ordinal, cuda::DeviceInfo info,
            DeviceWeights weights);

  const Model& host() const override { return *host_; }
  std::string device() const override { return fmt::format("cuda:{}", ordinal_); }
  std::string describe_device() const override;
  DeviceMemory memory() const override;
  std::unique_ptr<SequenceCache> make_cache() const override {
    return std::make_unique<PagedCache>(main_pool_, this);
  }
  std::unique_ptr<SequenceCache> make_mtp_cache() const override {
    if (!mtp_pool_) throw std::logic_error("make_mtp_cache: the model has no MTP module");
    return std::make_unique<PagedCache>(mtp_pool_, this);
  }
  int cache_block_size() const override { return main_pool_->shape().block_size; }
  std::size_t cache_block_bytes() const override { return main_pool_->shape().block_bytes(); }
  std::size_t mtp_cache_block_bytes() const override {
    return mtp_pool_ ? mtp_pool_->shape().block_bytes() : 0;
  }
  std::size_t default_cache_bytes() const override { return default_cache_bytes_; }
  std::vector<std::vector<float>> forward(std::span<const ForwardInput> inputs,
                                          ForwardStats* stats) const override;
  std::vector<std::vector<float>> mtp_forward(std::span<const MtpInput> inputs,
                                              ForwardStats* stats) const override;
  CopyBandwidth measure_copy(std::size_t bytes, int repeats) const override;

 private:
  // One call's tokens: what the host knows, staged into pinned memory and uploaded before the
  // step, so the step itself (eager or a graph) only reads fixed device buffers.
  struct Step {
    int real = 0;            // the caller's inputs
    int batch = 0;           // inputs, padding included (padding inputs come last)
    int rows = 0;            // tokens, padding included
    int bucket = 0;          // attention's grid: the longest causal length, or its bucket
    int stride = 0;          // block table entries per input: bucket / block_size
    int head_rows = 0;       // logits rows
    std::vector<int> sizes;  // tokens per input
    std::vector<bool> all;   // all_logits per input
    bool sampled = false;    // some choice samples: sample_rows over every input's last row
    bool hidden = false;     // final-normed hidden states of every row wanted
    BlockPool* pool = nullptr;
    void* const* blocks = nullptr;  // the pool's block pointer array for this step
    // Device addresses of the uploaded inputs.
    const std::int32_t* ids = nullptr;
    const std::int32_t* positions = nullptr;
    const std::int32_t* token_table = nullptr;
    const std::int32_t* tables = nullptr;
    const cuda::RowSampling* settings = nullptr;
  };
  struct StagedInput {
    PagedCache* cache = nullptr;  // null: padding
    std::span<const std::int32_t> tokens;
    bool all = false;
    const TokenChoice* choice = nullptr;
  };

  PagedCache& own_cache(SequenceCache* cache, int layers, const char* call) const;
  void check_context(const PagedCache& cache, std::size_t tokens) const;
  // Grows the caches, fills the host staging and uploads it; returns the step's shape.
  // `bucketed`: attention's grid for the length bucket (a graph's step) rather than the length.
  Step stage(const std::vector<StagedInput>& inputs, BlockPool& pool, bool bucketed) const;

  void matmul(const DeviceMatrix& w, const float* x, int n, float* y, int x_stride = 0,
              int y_stride = 0) const;
  void decoder_layer(const DeviceLayer& lw, int cache_layer, const Step& st, float* h,
                     ForwardStats* stats) const;
  void attention(const DeviceAttention& a, int cache_layer, const Step& st, const float* x,
                 float* out) const;
  void mlp(const DeviceMlp& w, const float* x, int n, float* out, float* g, float* u) const;
  void moe(const DeviceMoe& m, const float* x, int n, float* out, ForwardStats* stats) const;
  // Whether a MoE layer over n tokens is sorted into expert order on the device.
  bool moe_on_device_fits(int n) const {
    return n <= kGemvRowsMax &&
           static_cast<long long>(n) * host_->config().num_experts_per_tok <= cuda::kAlignMaxSlots;
  }
  void moe_on_device(const DeviceMoe& m, const ExpertTable& t, const float* x, int n,
                     const float* weights, const std::int32_t* ids, float* out,
                     ForwardStats* stats) const;
  void moe_on_host(const DeviceMoe& m, const float* x, int n, const float* weights,
                   const std::int32_t* ids, float* out, ForwardStats* stats) const;
  void shared_experts(const DeviceMoe& m, const float* x, int n, float* out,
                      std::size_t routed_scratch) const;
  // The whole main-model step on the stream: embedding, layers, the final norm of every row
  // (when hidden states are wanted) and the head.
  void enqueue_forward(const Step& st, ForwardStats* stats) const;
  // Logits through `head` of the rows each input wants (normed first) into d_logits_, the argmax
  // of every such row into d_argmax_, and with st.sampled each input's sampled token into
  // d_chosen_.
  void enqueue_head(const DeviceMatrix& head, const float* norm_weight, const float* h,
                    const Step& st) const;
  // enqueue_forward eagerly, or through the step's graph (captured on the second sight of its
  // shape, replayed after).
  void run_step(const Step& st, bool graph, ForwardStats* stats) const;
  // Logits of the inputs that want them, downloaded (after the stream is synchronised).
  std::vector<std::vector<float>> download_logits(const Step& st, int vocab,
                                                  const std::vector<bool>& wanted) const;
  void add_expert_bytes(ForwardStats* stats) const;

  std::shared_ptr<const Model> host_;
  int ordinal_;
  cuda::DeviceInfo info_;
  Rope rope_;
  int table_positions_;
  bool graphs_enabled_;
  cuda::Stream stream_;
  cuda::Blas blas_;
  DeviceWeights weights_;
  std::size_t weight_bytes_;  // what upload() allocated for weights_
  cuda::DeviceBuffer<float> cos_sin_;
  std::shared_ptr<BlockPool> main_pool_;
  std::shared_ptr<BlockPool> mtp_pool_;
  // The main pool's block that padding inputs write to and read from (their results are
  // ignored), taken on the first padded step; -1 until then.
  mutable std::int32_t dummy_block_ = -1;
  std::map<const DeviceMoe*, ExpertTable> expert_tables_;
  bool experts_on_device_ = true;  // every MoE layer's table is usable (graphs need it)
  std::size_t default_cache_bytes_ = 0;

  // Calls are serialised: one stream, one set of scratch buffers.
  mutable std::mutex mutex_;
  mutable ScratchState scratch_;
  mutable cuda::PinnedBuffer<std::int32_t> pinned_ints_;
  mutable cuda::PinnedBuffer<cuda::RowSampling> pinned_settings_;
  mutable cuda::PinnedBuffer<std::int32_t> pinned_out_;
  mutable std::map<GraphKey, GraphEntry> graphs_;
  // Experts chosen per MoE layer of a call with stats (moe_align's counts), and the bytes of one
  // of that layer's experts, added to bytes_read once the step is done.
  mutable cuda::DeviceBuffer<std::int32_t> active_counts_;
  mutable std::vector<std::int64_t> pending_expert_bytes_;
  mutable Scratch<std::byte> d_sample_work_{&scratch_};
  mutable Scratch<cuda::RowSampling> d_settings_{&scratch_};
  mutable Scratch<std::int32_t> d_step_ints_{&scratch_}, d_chosen_{&scratch_}, d_argmax_{&scratch_},
      d_route_ids_{&scratch_}, d_perm_{&scratch_}, d_slot_row_{&scratch_}, d_offsets_{&scratch_},
      d_active_{&scratch_};
  mutable Scratch<float> d_h_{&scratch_}, d_x_{&scratch_}, d_out_{&scratch_}, d_q_{&scratch_},
      d_qa_{&scratch_}, d_kva_{&scratch_}, d_q_latent_{&scratch_}, d_o_latent_{&scratch_},
      d_o_{&scratch_}, d_attn_work_{&scratch_}, d_g_{&scratch_}, d_u_{&scratch_},
      d_router_{&scratch_}, d_route_w_{&scratch_}, d_xe_{&scratch_}, d_ye_{&scratch_},
      d_dequant_{&scratch_}, d_rows_{&scratch_}, d_logits_{&scratch_}, d_eh_{&scratch_},
      d_hidden_in_{&scratch_}, d_choice_logits_{&scratch_}, d_normed_{&scratch_};
};

bool graphs_enabled_by_env() {
  const char* v = std::getenv("RBENCH_CUDA_GRAPHS");
  return v == nullptr || std::string_view(v) != "0";
}

CudaModel::CudaModel(std::shared_ptr<const Model> host, int ordinal, cuda::DeviceInfo info,
                     DeviceWeights weights)
    : host_(std::move(host)),
      ordinal_(ordinal),
      info_(std::move(info)),
      rope_(host_->config()),
      table_positions_(std::max(host_->config().max_position_embeddings, 1)),
      graphs_enabled_(graphs_enabled_by_env()),
      weights_(std::move(weights)),
      weight_bytes_(device_bytes(host_->weights())) {
  const ModelConfig& c = host_->config();
  const std::vector<float> table = rope_.cos_sin_table(table_positions_);
  cos_sin_ = cuda::DeviceBuffer<float>(std::span<const float>(table));
  // bf16 for bf16 and fp8 checkpoints, f32 for f32 ones (cuda_model.h).
  const bool bf16 = host_->weights().embed_tokens.dtype != DType::f32 ||
                    host_->weights().lm_head.dtype != DType::f32 ||
                    (!host_->weights().layers.empty() &&
                     host_->weights().layers[0].attn.kv_a_proj_with_mqa.dtype != DType::f32);
  CacheShape shape{c.num_hidden_layers, c.kv_lora_rank, c.qk_rope_head_dim, bf16, kBlockSize};
  main_pool_ = std::make_shared<BlockPool>(shape);
  if (host_->has_mtp()) {
    shape.layers = 1;
    mtp_pool_ = std::make_shared<BlockPool>(shape);
  }
  for (const DeviceLayer& layer : weights_.layers) {
    if (layer.moe) expert_tables_.emplace(&*layer.moe, expert_table(*layer.moe));
  }
  if (weights_.mtp && weights_.mtp->layer.moe) {
    expert_tables_.emplace(&*weights_.mtp->layer.moe, expert_table(*weights_.mtp->layer.moe));
  }
  for (const auto& [moe, table] : expert_tables_) {
    experts_on_device_ = experts_on_device_ && table.usable;
  }
  active_counts_ =
      cuda::DeviceBuffer<std::int32_t>(static_cast<std::size_t>(c.num_hidden_layers) + 1);
  stream_.synchronize();
  // What the cache may take by default: 90% of what the weights left free, less a reserve for
  // the forward pass's scratch (1 GiB, or 10% of the free memory on a small device).
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  RBENCH_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  const std::size_t reserve = std::min<std::size_t>(std::size_t{1} << 30, free_bytes / 10);
  const std::size_t usable = free_bytes / 10 * 9;
  // Never 0 (unbounded): a device with nothing left gets a cache of no blocks, which says so.
  default_cache_bytes_ = usable > reserve ? usable - reserve : 1;
}

CopyBandwidth CudaModel::measure_copy(std::size_t bytes, int repeats) const {
  std::lock_guard lock(mutex_);
  const DeviceScope scope(ordinal_);
  const cuda::CopyBandwidth c = cuda::measure_device_copy(bytes, repeats, stream_);
  return {c.bytes, c.repeats, c.seconds_per_copy};
}

std::string CudaModel::describe_device() const {
  return fmt::format("cuda:{} ({}, sm_{}{}, {} MiB; {}), latent cache in {}, CUDA graphs {}; {}",
                     ordinal_, info_.name, info_.major, info_.minor, info_.total_bytes >> 20,
                     blas_.describe(), main_pool_->shape().bf16 ? "bf16" : "f32",
                     graphs_enabled_ ? "on" : "off (RBENCH_CUDA_GRAPHS=0)", kValidation);
}

DeviceMemory CudaModel::memory() const {
  DeviceMemory m;
  m.device = info_.name;
  {
    const DeviceScope scope(ordinal_);
    std::size_t free = 0, total = 0;
    RBENCH_CUDA_CHECK(cudaMemGetInfo(&free, &total));
    m.total_bytes = static_cast<std::int64_t>(total);
    m.free_bytes = static_cast<std::int64_t>(free);
  }
  m.weight_bytes = static_cast<std::int64_t>(weight_bytes_);
  // Blocks in use, not the arenas reserved for them: what the sequences hold. The main model's
  // pool and the MTP module's peak at about the same steps; their sum bounds the joint peak.
  for (const BlockPool* pool : {main_pool_.get(), mtp_pool_.get()}) {
    if (pool == nullptr) continue;
    const auto block = static_cast<std::int64_t>(pool->shape().block_bytes());
    m.cache_bytes += block * static_cast<std::int64_t>(pool->blocks_held());
    m.cache_peak_bytes += block * static_cast<std::int64_t>(pool->blocks_peak());
  }
  return m;
}

PagedCache& CudaModel::own_cache(SequenceCache* cache, int layers, const char* call) const {
  auto* paged = dynamic_cast<PagedCache*>(cache);
  if (paged == nullptr || paged->owner() != this || paged->pool().shape().layers != layers) {
    throw std::invalid_argument(
        fmt::format("{}: every input needs a cache this CUDA model made ({})", call,
                    layers == 1 ? "make_mtp_cache()" : "make_cache()"));
  }
  return *paged;
}

void CudaModel::check_context(const PagedCache& cache, std::size_t tokens) const {
  // Checked before any cache grows, so a refused call leaves every cache as it was.
  if (static_cast<std::size_t>(cache.length()) + tokens >
      static_cast<std::size_t>(table_positions_)) {
    throw std::out_of_range(fmt::format("positions up to {} are past the model's context of {}",
                                        cache.length() + tokens - 1, table_positions_));
  }
}

CudaModel::Step CudaModel::stage(const std::vector<StagedInput>& inputs, BlockPool& pool,
                                 bool bucketed) const {
  Step st;
  st.batch = static_cast<int>(inputs.size());
  st.pool = &pool;
  int max_length = 1;
  for (const StagedInput& in : inputs) {
    const int size = static_cast<int>(in.tokens.size());
    if (in.cache) {
      ++st.real;
      max_length = std::max(max_length, in.cache->length() + size);
    }
    st.sizes.push_back(size);
    st.all.push_back(in.all);
    st.rows += size;
    st.head_rows += in.all ? size : 1;
    st.sampled = st.sampled || (in.choice && in.choice->temperature > 0);
  }
  const int block_size = pool.shape().block_size;
  // A graph's grid must serve every length of its bucket; an eager step's covers its own
  // longest length (the attention workspace of a long prefill grows with it).
  st.bucket = bucketed ? length_bucket(max_length) : max_length;
  st.stride = (st.bucket + block_size - 1) / block_size;
  const bool padded = std::any_of(inputs.begin(), inputs.end(),
                                  [](const StagedInput& in) { return in.cache == nullptr; });
  if (padded && &pool != main_pool_.get()) {
    throw std::logic_error("CudaModel: only main-model steps are padded");
  }
  if (padded && dummy_block_ < 0) dummy_block_ = pool.allocate();
  // Entries past a sequence's blocks are never read; padding's all name the dummy block.
  const std::int32_t dummy = padded ? dummy_block_ : 0;

  // ids, positions, token_table ([rows] each), then the block tables ([batch][stride]).
  const std::size_t count =
      3 * static_cast<std::size_t>(st.rows) + static_cast<std::size_t>(st.batch) * st.stride;
  if (pinned_ints_.size() < count) pinned_ints_ = cuda::PinnedBuffer<std::int32_t>(count);
  std::int32_t* ids = pinned_ints_.data();
  std::int32_t* positions = ids + st.rows;
  std::int32_t* token_table = positions + st.rows;
  std::int32_t* tables = token_table + st.rows;
  std::fill(tables, tables + static_cast<std::size_t>(st.batch) * st.stride, dummy);
  int r = 0;
  for (int i = 0; i < st.batch; ++i) {
    const StagedInput& in = inputs[i];
    // Padding sits at positions 0.. of the dummy block: its writes land there, its reads too.
    int start = 0;
    if (in.cache) {
      start = in.cache->length();
      in.cache->grow_to(start + st.sizes[i]);
      const std::vector<std::int32_t>& blocks = in.cache->blocks();
      std::copy(blocks.begin(), blocks.end(), tables + static_cast<std::size_t>(i) * st.stride);
    }
    for (int k = 0; k < st.sizes[i]; ++k, ++r) {
      ids[r] = in.tokens[k];
      positions[r] = start + k;
      token_table[r] = i * st.stride;
    }
  }
  std::int32_t* d = d_step_ints_.get(count);
  RBENCH_CUDA_CHECK(
      cudaMemcpyAsync(d, ids, count * sizeof(std::int32_t), cudaMemcpyHostToDevice, stream_.get()));
  st.ids = d;
  st.positions = d + st.rows;
  st.token_table = d + 2 * static_cast<std::size_t>(st.rows);
  st.tables = d + 3 * static_cast<std::size_t>(st.rows);
  if (st.sampled) {
    if (pinned_settings_.size() < inputs.size()) {
      pinned_settings_ = cuda::PinnedBuffer<cuda::RowSampling>(inputs.size());
    }
    for (int i = 0; i < st.batch; ++i) {
      const TokenChoice* c = inputs[i].choice;
      pinned_settings_.data()[i] =
          c ? cuda::RowSampling{c->temperature, c->top_k, c->top_p, c->uniform}
            : cuda::RowSampling{};  // greedy: a row no one reads
    }
    cuda::RowSampling* settings = d_settings_.get(st.batch);
    RBENCH_CUDA_CHECK(cudaMemcpyAsync(settings, pinned_settings_.data(),
                                      st.batch * sizeof(cuda::RowSampling), cudaMemcpyHostToDevice,
                                      stream_.get()));
    st.settings = settings;
  }
  st.blocks = pool.block_pointers(stream_.get());  // after the caches grew
  return st;
}

void CudaModel::matmul(const DeviceMatrix& w, const float* x, int n, float* y, int x_stride,
                       int y_stride) const {
  if (n <= 0) return;
  if (n <= kGemvRowsMax) {
    cuda::gemv({w.view(), x, x_stride, y, y_stride, n}, stream_.get());
    return;
  }
  const float* wf = reinterpret_cast<const float*>(w.data.data());
  if (w.type != cuda::WeightType::f32) {
    float* dq = d_dequant_.get(static_cast<std::size_t>(w.rows) * w.cols);
    cuda::dequantize(w.view(), dq, stream_.get());
    wf = dq;
  }
  blas_.gemm_f32(wf, w.rows, w.cols, x, x_stride ? x_stride : w.cols, n, y,
                 y_stride ? y_stride : w.rows, stream_.get());
}

void CudaModel::decoder_layer(const DeviceLayer& lw, int cache_layer, const Step& st, float* h,
                              ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  const int n = st.rows;
  const std::size_t count = static_cast<std::size_t>(n) * hidden;
  float* x = d_x_.get(count);
  float* out = d_out_.get(count);
  cuda::rms_norm({h, lw.input_layernorm.data(), x, n, hidden, static_cast<float>(c.rms_norm_eps)},
                 stream_.get());
  attention(lw.attn, cache_layer, st, x, out);
  cuda::add_inplace(h, out, count, stream_.get());
  cuda::rms_norm(
      {h, lw.post_attention_layernorm.data(), x, n, hidden, static_cast<float>(c.rms_norm_eps)},
      stream_.get());
  if (lw.moe) {
    moe(*lw.moe, x, n, out, stats);
  } else {
    const int inter = lw.mlp->gate_proj.rows;
    const std::size_t gsize = static_cast<std::size_t>(n) * inter;
    mlp(*lw.mlp, x, n, out, d_g_.get(gsize), d_u_.get(gsize));
  }
  cuda::add_inplace(h, out, count, stream_.get());
}

void CudaModel::attention(const DeviceAttention& a, int cache_layer, const Step& st, const float* x,
                          float* out) const {
  const ModelConfig& c = host_->config();
  const int heads = c.num_attention_heads;
  const int qk = c.qk_head_dim();
  const int nope = c.qk_nope_head_dim;
  const int rope_dim = c.qk_rope_head_dim;
  const int v_dim = c.v_head_dim;
  const int rank = c.kv_lora_rank;
  const int n = st.rows;
  cudaStream_t s = stream_.get();

  float* q = d_q_.get(static_cast<std::size_t>(n) * heads * qk);
  if (a.q_a_proj) {
    const int qr = *c.q_lora_rank;
    float* qa = d_qa_.get(static_cast<std::size_t>(n) * qr);
    matmul(*a.q_a_proj, x, n, qa);
    cuda::rms_norm({qa, a.q_a_layernorm.data(), qa, n, qr, kLoraNormEps}, s);
    matmul(*a.q_b_proj, qa, n, q);
  } else {
    matmul(*a.q_proj, x, n, q);
  }

  const int kv_a_dim = rank + rope_dim;
  float* kva = d_kva_.get(static_cast<std::size_t>(n) * kv_a_dim);
  matmul(a.kv_a_proj_with_mqa, x, n, kva);

  cuda::PagedCacheView view;
  view.blocks = st.blocks;
  view.block_size = st.pool->shape().block_size;
  view.layers = st.pool->shape().layers;
  view.layer = cache_layer;
  view.rank = rank;
  view.rope_dim = rope_dim;
  view.bf16 = st.pool->shape().bf16;
  view.tables = st.tables;
  view.token_table = st.token_table;
  const std::int32_t* positions = st.positions;

  cuda::CacheWriteParams w;
  w.cache = view;
  w.kva = kva;
  w.norm_weight = a.kv_a_layernorm.data();
  w.eps = kLoraNormEps;
  w.positions = positions;
  w.cos_sin = cos_sin_.data();
  w.table_positions = table_positions_;
  w.n = n;
  cuda::mla_cache_write(w, s);

  cuda::rope(
      {q, positions, cos_sin_.data(), n * heads, qk, nope, rope_dim, heads, table_positions_}, s);

  float* q_latent = d_q_latent_.get(static_cast<std::size_t>(n) * heads * rank);
  cuda::mla_absorb_query({q, a.kv_b_f32.data(), q_latent, n, heads, nope, rope_dim, v_dim, rank},
                         s);

  float* o_latent = d_o_latent_.get(static_cast<std::size_t>(n) * heads * rank);
  cuda::AttentionParams ap;
  ap.cache = view;
  ap.q_latent = q_latent;
  ap.q = q;
  ap.positions = positions;
  ap.o_latent = o_latent;
  ap.workspace = d_attn_work_.get(cuda::attention_workspace_floats(n, heads, rank, st.bucket));
  ap.n = n;
  ap.heads = heads;
  ap.nope = nope;
  ap.scale = rope_.softmax_scale();
  ap.max_length = st.bucket;  // the grid; each token stops at its own length
  cuda::mla_attention(ap, s);

  float* o = d_o_.get(static_cast<std::size_t>(n) * heads * v_dim);
  cuda::mla_lift_value({o_latent, a.kv_b_f32.data(), o, n, heads, nope, v_dim, rank}, s);
  matmul(a.o_proj, o, n, out);
}

void CudaModel::mlp(const DeviceMlp& w, const float* x, int n, float* out, float* g,
                    float* u) const {
  const int inter = w.gate_proj.rows;
  matmul(w.gate_proj, x, n, g);
  matmul(w.up_proj, x, n, u);
  cuda::silu_mul(g, u, static_cast<std::size_t>(n) * inter, stream_.get());
  matmul(w.down_proj, g, n, out);
}

void CudaModel::moe(const DeviceMoe& m, const float* x, int n, float* out,
                    ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int experts = c.n_routed_experts;
  const int k = c.num_experts_per_tok;
  cudaStream_t s = stream_.get();

  float* logits = d_router_.get(static_cast<std::size_t>(n) * experts);
  matmul(m.gate, x, n, logits);
  std::int32_t* ids = d_route_ids_.get(static_cast<std::size_t>(n) * k);
  float* weights = d_route_w_.get(static_cast<std::size_t>(n) * k);
  cuda::RouteParams rp;
  rp.logits = logits;
  rp.bias = m.e_score_correction_bias.size() ? m.e_score_correction_bias.data() : nullptr;
  rp.ids = ids;
  rp.weights = weights;
  rp.n = n;
  rp.experts = experts;
  rp.k = k;
  rp.n_group = c.n_group;
  rp.topk_group = c.topk_group;
  rp.scoring = scoring(c);
  rp.method = topk_method(c);
  rp.norm_topk_prob = c.norm_topk_prob;
  rp.v2 = c.is_v2();
  rp.routed_scaling = static_cast<float>(c.routed_scaling_factor);
  cuda::moe_route(rp, s);

  // Decode-sized batches are sorted into expert order on the device (no sync: a step can be a
  // graph); larger ones on the host, where the counts decide the launches.
  const auto table = expert_tables_.find(&m);
  if (moe_on_device_fits(n) && table != expert_tables_.end() && table->second.usable) {
    moe_on_device(m, table->second, x, n, weights, ids, out, stats);
  } else {
    moe_on_host(m, x, n, weights, ids, out, stats);
  }
  if (stats) stats->expert_activations += static_cast<std::int64_t>(n) * k;
}

void CudaModel::moe_on_device(const DeviceMoe& m, const ExpertTable& t, const float* x, int n,
                              const float* weights, const std::int32_t* ids, float* out,
                              ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  const int experts = c.n_routed_experts;
  const int k = c.num_experts_per_tok;
  const int slots = n * k;
  cudaStream_t s = stream_.get();

  cuda::AlignParams ap;
  ap.ids = ids;
  ap.n = n;
  ap.k = k;
  ap.experts = experts;
  ap.offsets = d_offsets_.get(static_cast<std::size_t>(experts) + 1);
  ap.active = d_active_.get(static_cast<std::size_t>(std::min(slots, experts)));
  ap.perm = d_perm_.get(slots);
  ap.slot_row = d_slot_row_.get(slots);
  if (stats && pending_expert_bytes_.size() < active_counts_.size()) {
    ap.active_count = active_counts_.data() + pending_expert_bytes_.size();
    pending_expert_bytes_.push_back(t.expert_bytes);
  }
  cuda::moe_align(ap, s);

  const int inter = t.gate.rows;
  float* xe = d_xe_.get(static_cast<std::size_t>(slots) * hidden);
  float* ye = d_ye_.get(static_cast<std::size_t>(slots) * hidden);
  float* g = d_g_.get(static_cast<std::size_t>(slots) * std::max(inter, 1));
  float* u = d_u_.get(static_cast<std::size_t>(slots) * std::max(inter, 1));
  cuda::gather_rows(x, ap.perm, slots, hidden, xe, s);
  const auto product = [&](const ExpertTable::Projection& p, const float* in, float* result) {
    cuda::GroupedGemvParams gp;
    gp.matrices = p.views.data();
    gp.type = p.type;
    gp.rows = p.rows;
    gp.cols = p.cols;
    gp.vector = p.vector;
    gp.x = in;
    gp.y = result;
    gp.offsets = ap.offsets;
    gp.active = ap.active;
    gp.slots = slots;
    gp.experts = experts;
    cuda::grouped_gemv(gp, s);
  };
  product(t.gate, xe, g);
  product(t.up, xe, u);
  cuda::silu_mul(g, u, static_cast<std::size_t>(slots) * inter, s);
  product(t.down, g, ye);
  shared_experts(m, x, n, out, static_cast<std::size_t>(slots) * inter);
  cuda::moe_unpermute({ye, ap.slot_row, weights, out, n, k, hidden}, s);
}

void CudaModel::moe_on_host(const DeviceMoe& m, const float* x, int n, const float* weights,
                            const std::int32_t* ids, float* out, ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  const int experts = c.n_routed_experts;
  const int k = c.num_experts_per_tok;
  cudaStream_t s = stream_.get();
  // To the host, to sort tokens into expert order (each expert's tokens in token order, as
  // Model::moe serves them).
  std::vector<std::int32_t> chosen(static_cast<std::size_t>(n) * k);
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(chosen.data(), ids, chosen.size() * sizeof(std::int32_t),
                                    cudaMemcpyDeviceToHost, s));
  stream_.synchronize();
  std::vector<std::vector<std::int32_t>> served(experts);  // expert -> t * k + slot
  for (int i = 0; i < n * k; ++i) {
    const std::int32_t e = chosen[i];
    if (e < 0 || e >= experts) {
      throw Error(fmt::format("cuda moe_route chose expert {} of {}", e, experts));
    }
    served[e].push_back(i);
  }
  std::vector<std::int32_t> perm;  // row r of the expert-ordered batch: its token
  std::vector<std::int32_t> slot_row(static_cast<std::size_t>(n) * k);
  std::vector<std::pair<int, int>> active;  // (expert, first row)
  perm.reserve(slot_row.size());
  for (int e = 0; e < experts; ++e) {
    if (served[e].empty()) continue;
    active.emplace_back(e, static_cast<int>(perm.size()));
    for (const std::int32_t i : served[e]) {
      slot_row[i] = static_cast<std::int32_t>(perm.size());
      perm.push_back(i / k);
    }
  }
  std::int32_t* d_perm = d_perm_.get(perm.size());
  std::int32_t* d_slot_row = d_slot_row_.get(slot_row.size());
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(d_perm, perm.data(), perm.size() * sizeof(std::int32_t),
                                    cudaMemcpyHostToDevice, s));
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(d_slot_row, slot_row.data(),
                                    slot_row.size() * sizeof(std::int32_t), cudaMemcpyHostToDevice,
                                    s));
  const int rows = static_cast<int>(perm.size());
  float* xe = d_xe_.get(static_cast<std::size_t>(rows) * hidden);
  float* ye = d_ye_.get(static_cast<std::size_t>(rows) * hidden);
  cuda::gather_rows(x, d_perm, rows, hidden, xe, s);
  const int inter = c.moe_intermediate_size;
  float* g = d_g_.get(static_cast<std::size_t>(rows) * std::max(inter, 1));
  float* u = d_u_.get(static_cast<std::size_t>(rows) * std::max(inter, 1));
  for (const auto& [e, first] : active) {
    const int count = static_cast<int>(served[e].size());
    const std::size_t xo = static_cast<std::size_t>(first) * hidden;
    const std::size_t go = static_cast<std::size_t>(first) * m.experts[e].gate_proj.rows;
    mlp(m.experts[e], xe + xo, count, ye + xo, g + go, u + go);
    if (stats) {
      const DeviceMlp& w = m.experts[e];
      stats->bytes_read +=
          static_cast<std::int64_t>(w.gate_proj.bytes() + w.up_proj.bytes() + w.down_proj.bytes());
    }
  }
  shared_experts(m, x, n, out, static_cast<std::size_t>(rows) * inter);
  // perm and slot_row may go: a copy from pageable memory is staged before cudaMemcpyAsync returns.
  cuda::moe_unpermute({ye, d_slot_row, weights, out, n, k, hidden}, s);
}

// out = the shared experts' output, or 0. The routed experts' gate/up scratch (routed_scratch
// floats) is free again once their outputs are in ye, so it is reused.
void CudaModel::shared_experts(const DeviceMoe& m, const float* x, int n, float* out,
                               std::size_t routed_scratch) const {
  if (m.shared) {
    const int shared_inter = m.shared->gate_proj.rows;
    const std::size_t size = std::max(static_cast<std::size_t>(n) * shared_inter, routed_scratch);
    mlp(*m.shared, x, n, out, d_g_.get(size), d_u_.get(size));
  } else {
    RBENCH_CUDA_CHECK(cudaMemsetAsync(
        out, 0, static_cast<std::size_t>(n) * host_->config().hidden_size * sizeof(float),
        stream_.get()));
  }
}

void CudaModel::enqueue_forward(const Step& st, ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  float* h = d_h_.get(static_cast<std::size_t>(st.rows) * hidden);
  cuda::embedding(weights_.embed_tokens.view(), st.ids, st.rows, h, stream_.get());
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    decoder_layer(weights_.layers[l], l, st, h, stats);
  }
  if (st.hidden) {
    // Every token's final-normed hidden state: the MTP module's input.
    cuda::rms_norm(
        {h, weights_.norm.data(), d_normed_.get(static_cast<std::size_t>(st.rows) * hidden),
         st.rows, hidden, static_cast<float>(c.rms_norm_eps)},
        stream_.get());
  }
  enqueue_head(weights_.lm_head, weights_.norm.data(), h, st);
}

// Copies count[i] rows of input i, from its row first_row[i], from `src` (inputs of sizes[i]
// rows each, back to back) to `dst`, back to back: one strided launch when every input takes one
// row at the same place of the same size, else one launch per input.
void copy_input_rows(float* dst, const float* src, int width, const std::vector<int>& sizes,
                     const std::vector<int>& first_row, const std::vector<int>& count,
                     cudaStream_t s) {
  const bool uniform =
      std::adjacent_find(sizes.begin(), sizes.end(), std::not_equal_to<>()) == sizes.end() &&
      std::adjacent_find(first_row.begin(), first_row.end(), std::not_equal_to<>()) ==
          first_row.end() &&
      std::adjacent_find(count.begin(), count.end(), std::not_equal_to<>()) == count.end();
  const long long src_stride = sizes.empty() ? 0 : static_cast<long long>(sizes[0]) * width;
  if (uniform && !sizes.empty() && count[0] == 1 && src_stride <= INT_MAX) {
    cuda::copy_rows(dst, width, src + static_cast<std::size_t>(first_row[0]) * width,
                    static_cast<int>(src_stride), static_cast<int>(sizes.size()), width, s);
    return;
  }
  std::size_t in = 0;
  std::size_t out = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    cuda::copy_rows(dst + out * width, width, src + (in + first_row[i]) * width, width, count[i],
                    width, s);
    in += sizes[i];
    out += count[i];
  }
}

void CudaModel::enqueue_head(const DeviceMatrix& head, const float* norm_weight, const float* h,
                             const Step& st) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  const int vocab = head.rows;
  cudaStream_t s = stream_.get();
  std::vector<int> first;
  std::vector<int> count;
  std::vector<int> head_sizes;
  for (int i = 0; i < st.batch; ++i) {
    first.push_back(st.all[i] ? 0 : st.sizes[i] - 1);
    count.push_back(st.all[i] ? st.sizes[i] : 1);
    head_sizes.push_back(count.back());
  }
  float* rows = d_rows_.get(static_cast<std::size_t>(st.head_rows) * hidden);
  if (st.head_rows == st.rows) {
    cuda::copy_rows(rows, hidden, h, hidden, st.rows, hidden, s);
  } else {
    copy_input_rows(rows, h, hidden, st.sizes, first, count, s);
  }
  cuda::rms_norm(
      {rows, norm_weight, rows, st.head_rows, hidden, static_cast<float>(c.rms_norm_eps)}, s);
  float* logits = d_logits_.get(static_cast<std::size_t>(st.head_rows) * vocab);
  matmul(head, rows, st.head_rows, logits);
  cuda::argmax_rows(logits, st.head_rows, vocab, d_argmax_.get(st.head_rows), s);
  if (!st.sampled) return;
  // Each input's last row, side by side, as the sampling kernels read them.
  std::vector<int> last(head_sizes.size());
  std::vector<int> one(head_sizes.size(), 1);
  for (std::size_t i = 0; i < head_sizes.size(); ++i) last[i] = head_sizes[i] - 1;
  float* picked = d_choice_logits_.get(static_cast<std::size_t>(st.batch) * vocab);
  copy_input_rows(picked, logits, vocab, head_sizes, last, one, s);
  cuda::SampleParams sp;
  sp.logits = picked;
  sp.settings = st.settings;
  sp.ids = d_chosen_.get(st.batch);
  sp.rows = st.batch;
  sp.vocab = vocab;
  sp.workspace_bytes = cuda::sample_workspace_bytes(st.batch, vocab);
  sp.workspace = d_sample_work_.get(sp.workspace_bytes);
  cuda::sample_rows(sp, s);
}

void CudaModel::run_step(const Step& st, bool graph, ForwardStats* stats) const {
  if (!graph) {
    enqueue_forward(st, stats);
    return;
  }
  const GraphKey key{st.batch, st.sizes.front(), st.bucket, st.sampled};
  GraphEntry& e = graphs_[key];
  if (e.exec && e.generation == scratch_.generation && e.blocks == st.blocks) {
    e.exec.launch(stream_);
    return;
  }
  e.exec = {};
  if (e.warm_generation != scratch_.generation) {
    // First sight of this shape since the scratch last moved: an eager run sizes the scratch,
    // so that the capture of the next one allocates nothing.
    enqueue_forward(st, nullptr);
    e.warm_generation = scratch_.generation;
    return;
  }
  scratch_.capturing = true;
  try {
    e.exec = cuda::GraphExec::capture(stream_, [&] { enqueue_forward(st, nullptr); });
  } catch (...) {
    scratch_.capturing = false;
    throw;
  }
  scratch_.capturing = false;
  e.generation = scratch_.generation;
  e.blocks = st.blocks;
  e.exec.launch(stream_);
}

std::vector<std::vector<float>> CudaModel::download_logits(const Step& st, int vocab,
                                                           const std::vector<bool>& wanted) const {
  std::vector<std::vector<float>> out(st.real);
  const float* logits = d_logits_.get(static_cast<std::size_t>(st.head_rows) * vocab);
  std::size_t row = 0;
  for (int i = 0; i < st.real; ++i) {
    const std::size_t count = st.all[i] ? st.sizes[i] : 1;
    if (wanted[i]) {
      out[i].resize(count * vocab);
      RBENCH_CUDA_CHECK(cudaMemcpyAsync(out[i].data(), logits + row * vocab,
                                        out[i].size() * sizeof(float), cudaMemcpyDeviceToHost,
                                        stream_.get()));
    }
    row += count;
  }
  return out;
}

void CudaModel::add_expert_bytes(ForwardStats* stats) const {
  if (!stats || pending_expert_bytes_.empty()) return;
  std::vector<std::int32_t> counts(pending_expert_bytes_.size());
  RBENCH_CUDA_CHECK(cudaMemcpy(counts.data(), active_counts_.data(),
                               counts.size() * sizeof(std::int32_t), cudaMemcpyDeviceToHost));
  for (std::size_t i = 0; i < counts.size(); ++i) {
    stats->bytes_read += static_cast<std::int64_t>(counts[i]) * pending_expert_bytes_[i];
  }
}

std::vector<std::vector<float>> CudaModel::forward(std::span<const ForwardInput> inputs,
                                                   ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  for (const ForwardInput& in : inputs) {
    const PagedCache& cache = own_cache(in.cache, c.num_hidden_layers, "forward");
    if (in.tokens.empty()) throw std::invalid_argument("forward: an input without tokens");
    check_context(cache, in.tokens.size());
    for (const std::int32_t t : in.tokens) check_token(t, c.vocab_size);
  }
  if (inputs.empty()) return {};
  std::lock_guard lock(mutex_);
  const DeviceScope scope(ordinal_);
  pending_expert_bytes_.clear();
  if (stats) {
    // As Model::forward counts them, before the caches grow.
    const ModelWeights& w = host_->weights();
    const int mats = w.embed_tokens.dtype == DType::f32 ? 4 : 2;
    for (const ForwardInput& in : inputs) {
      stats->bytes_read += static_cast<std::int64_t>(in.tokens.size()) * hidden * mats;
      stats->bytes_read += static_cast<std::int64_t>(in.cache->bytes());
    }
    stats->bytes_read += static_cast<std::int64_t>(w.lm_head.bytes() + w.norm.size() * 4);
    for (const LayerWeights& lw : w.layers) {
      stats->bytes_read += static_cast<std::int64_t>(layer_read_bytes(lw));
    }
  }

  // A decode step (every input 1 token, or 2 with all logits: a drafted step) that fits the gemv
  // once padded runs as a graph; padding inputs are dummies whose results are ignored.
  const std::size_t per = inputs.front().tokens.size();
  const bool uniform = std::all_of(inputs.begin(), inputs.end(), [&](const ForwardInput& in) {
    return in.tokens.size() == per && (per == 1 || (per == 2 && in.all_logits));
  });
  int padded = 0;
  for (const int b : kGraphBatches) {
    if (b >= static_cast<int>(inputs.size())) {
      padded = b;
      break;
    }
  }
  // A graph may not synchronise: every product a gemv, every MoE layer sorted on the device.
  const bool graph = graphs_enabled_ && experts_on_device_ && stats == nullptr && uniform &&
                     padded > 0 && static_cast<std::size_t>(padded) * per <= kGemvRowsMax &&
                     moe_on_device_fits(padded * static_cast<int>(per));
  static constexpr std::int32_t kPaddingTokens[2] = {0, 0};
  std::vector<StagedInput> staged;
  bool any_hidden = false;
  for (const ForwardInput& in : inputs) {
    staged.push_back({&own_cache(in.cache, c.num_hidden_layers, "forward"), in.tokens,
                      in.all_logits, in.choice});
    any_hidden = any_hidden || in.hidden != nullptr;
  }
  while (graph && static_cast<int>(staged.size()) < padded) {
    staged.push_back({nullptr, std::span(kPaddingTokens).first(per), per == 2, nullptr});
  }
  Step st = stage(staged, *main_pool_, graph);
  st.hidden = graph || any_hidden;  // a graph always has them: one graph serves both
  run_step(st, graph, stats);

  // Downloads: ids always (a few bytes), logits and hidden states where asked for.
  cudaStream_t s = stream_.get();
  const std::size_t ids = static_cast<std::size_t>(st.head_rows) + st.batch;
  if (pinned_out_.size() < ids) pinned_out_ = cuda::PinnedBuffer<std::int32_t>(ids);
  std::int32_t* argmax = pinned_out_.data();
  std::int32_t* chosen = argmax + st.head_rows;
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(argmax, d_argmax_.get(st.head_rows),
                                    st.head_rows * sizeof(std::int32_t), cudaMemcpyDeviceToHost,
                                    s));
  if (st.sampled) {
    RBENCH_CUDA_CHECK(cudaMemcpyAsync(chosen, d_chosen_.get(st.batch),
                                      st.batch * sizeof(std::int32_t), cudaMemcpyDeviceToHost, s));
  }
  std::vector<bool> wanted;
  for (const ForwardInput& in : inputs) wanted.push_back(in.logits);
  std::vector<std::vector<float>> out = download_logits(st, weights_.lm_head.rows, wanted);
  const float* normed =
      st.hidden ? d_normed_.get(static_cast<std::size_t>(st.rows) * hidden) : nullptr;
  std::size_t row = 0;
  for (const ForwardInput& in : inputs) {
    if (in.hidden) {
      in.hidden->resize(in.tokens.size() * hidden);
      RBENCH_CUDA_CHECK(cudaMemcpyAsync(in.hidden->data(), normed + row * hidden,
                                        in.hidden->size() * sizeof(float), cudaMemcpyDeviceToHost,
                                        s));
    }
    row += in.tokens.size();
  }
  stream_.synchronize();
  add_expert_bytes(stats);
  if (stats) stats->tokens += st.rows;

  int head_row = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const int count = st.all[i] ? st.sizes[i] : 1;
    if (inputs[i].greedy_rows)
      inputs[i].greedy_rows->assign(argmax + head_row, argmax + head_row + count);
    if (inputs[i].choice) {
      inputs[i].choice->token = st.sampled ? chosen[i] : argmax[head_row + count - 1];
    }
    head_row += count;
  }
  return out;
}

std::vector<std::vector<float>> CudaModel::mtp_forward(std::span<const MtpInput> inputs,
                                                       ForwardStats* stats) const {
  if (!weights_.mtp) throw std::logic_error("mtp_forward: the model has no MTP module");
  const DeviceMtp& m = *weights_.mtp;
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  std::vector<float> hidden_in;
  for (const MtpInput& in : inputs) {
    const PagedCache& cache = own_cache(in.cache, 1, "mtp_forward");
    check_context(cache, in.next_tokens.size());
    if (in.next_tokens.empty() || in.hidden.size() != in.next_tokens.size() * hidden) {
      throw std::invalid_argument(
          "mtp_forward: every input needs at least one row and a hidden state per next token");
    }
    for (const std::int32_t t : in.next_tokens) check_token(t, c.vocab_size);
    hidden_in.insert(hidden_in.end(), in.hidden.begin(), in.hidden.end());
  }
  if (inputs.empty()) return {};
  std::lock_guard lock(mutex_);
  const DeviceScope scope(ordinal_);
  pending_expert_bytes_.clear();
  if (stats) {
    // As Model::mtp_forward counts them, before the caches grow.
    const ModelWeights& w = host_->weights();
    const MtpWeights& hm = *w.mtp;
    const int mats = w.mtp_embed_tokens().dtype == DType::f32 ? 4 : 2;
    for (const MtpInput& in : inputs) {
      stats->bytes_read += static_cast<std::int64_t>(in.next_tokens.size()) * hidden * mats;
      stats->bytes_read += static_cast<std::int64_t>(in.cache->bytes());
    }
    stats->bytes_read += static_cast<std::int64_t>(
        (hm.enorm.size() + hm.hnorm.size() + hm.head_norm.size()) * 4 + hm.eh_proj.bytes() +
        w.mtp_head().bytes() + layer_read_bytes(hm.layer));
  }
  std::vector<StagedInput> staged;
  for (const MtpInput& in : inputs) {
    staged.push_back(
        {&own_cache(in.cache, 1, "mtp_forward"), in.next_tokens, in.all_logits, nullptr});
  }
  const Step st = stage(staged, *mtp_pool_, false);
  cudaStream_t s = stream_.get();
  float* d_hidden = d_hidden_in_.get(hidden_in.size());
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(d_hidden, hidden_in.data(), hidden_in.size() * sizeof(float),
                                    cudaMemcpyHostToDevice, s));

  // x = eh_proj([enorm(embed(t_{i+1})); hnorm(h_i)]): the embedding half first.
  const int n = st.rows;
  float* e = d_x_.get(static_cast<std::size_t>(n) * hidden);
  cuda::embedding(weights_.mtp_embed_tokens().view(), st.ids, n, e, s);
  float* eh = d_eh_.get(static_cast<std::size_t>(n) * 2 * hidden);
  cuda::rms_norm(
      {e, m.enorm.data(), eh, n, hidden, static_cast<float>(c.rms_norm_eps), hidden, 2 * hidden},
      s);
  cuda::rms_norm({d_hidden, m.hnorm.data(), eh + hidden, n, hidden,
                  static_cast<float>(c.rms_norm_eps), hidden, 2 * hidden},
                 s);
  float* h = d_h_.get(static_cast<std::size_t>(n) * hidden);
  matmul(m.eh_proj, eh, n, h);
  decoder_layer(m.layer, 0, st, h, stats);
  enqueue_head(weights_.mtp_head(), m.head_norm.data(), h, st);

  std::vector<std::vector<float>> out =
      download_logits(st, weights_.mtp_head().rows, std::vector<bool>(inputs.size(), true));
  stream_.synchronize();
  add_expert_bytes(stats);
  if (stats) stats->tokens += n;
  return out;
}

}  // namespace

std::string cuda_unavailable(int ordinal) {
  try {
    if (cuda::cuda_device(ordinal)) return {};
    return "no CUDA device: " + cuda::cuda_unavailable_reason(ordinal);
  } catch (const std::exception& e) {
    return std::string("the CUDA device failed to answer: ") + e.what();
  }
}

std::shared_ptr<const ForwardModel> load_cuda_model(std::shared_ptr<const Model> host,
                                                    int ordinal) {
  std::optional<cuda::DeviceInfo> info = cuda::cuda_device(ordinal);
  if (!info) {
    throw SetupError(fmt::format("--device cuda:{}: no CUDA device: {}", ordinal,
                                 cuda::cuda_unavailable_reason(ordinal)));
  }
  const std::size_t need = device_bytes(host->weights());
  if (need > info->free_bytes) {
    throw SetupError(fmt::format(
        "--device cuda:{}: the weights need {:.1f} MiB on the device and {} has {:.1f} MiB free",
        ordinal, need / 1048576.0, info->name, info->free_bytes / 1048576.0));
  }
  const DeviceScope scope(ordinal);
  try {
    return std::make_shared<const CudaModel>(std::move(host), ordinal, std::move(*info));
  } catch (const cuda::CudaError&) {
    throw;
  } catch (const Error& e) {
    // cuBLAS missing: the device is there but this machine cannot drive it.
    throw SetupError(fmt::format("--device cuda:{}: {}", ordinal, e.what()));
  }
}

namespace {

// How many of the config's decoder layers fit in `free` bytes beside the rest of the model.
int layers_that_fit(const ModelWeights& shapes, std::size_t free) {
  ModelWeights outside;  // everything but the decoder layers
  outside.embed_tokens = shapes.embed_tokens;
  outside.norm = shapes.norm;
  outside.lm_head = shapes.lm_head;
  outside.mtp = shapes.mtp;
  std::size_t used = device_bytes(outside);
  int n = 0;
  for (const LayerWeights& lw : shapes.layers) {
    ModelWeights one;
    one.layers.push_back(lw);
    used += device_bytes(one);
    if (used > free) break;
    ++n;
  }
  return n;
}

}  // namespace

std::shared_ptr<const ForwardModel> load_dummy_cuda_model(const ModelConfig& config,
                                                          RandomWeightsOptions options,
                                                          int ordinal) {
  std::optional<cuda::DeviceInfo> info = cuda::cuda_device(ordinal);
  if (!info) {
    throw SetupError(fmt::format("--device cuda:{}: no CUDA device: {}", ordinal,
                                 cuda::cuda_unavailable_reason(ordinal)));
  }
  options.shapes_only = true;
  auto host = std::make_shared<const Model>(config, random_weights(config, options));
  const std::size_t need = device_bytes(host->weights());
  if (need > info->free_bytes) {
    throw SetupError(fmt::format(
        "--device cuda:{}: the dummy weights need {:.1f} MiB on the device and {} has {:.1f} MiB "
        "free; --layers {} would fit (of {})",
        ordinal, need / 1048576.0, info->name, info->free_bytes / 1048576.0,
        layers_that_fit(host->weights(), info->free_bytes), config.num_hidden_layers));
  }
  const DeviceScope scope(ordinal);
  try {
    DeviceWeights weights = generate_device_weights(host->weights(), config, options);
    return std::make_shared<const CudaModel>(std::move(host), ordinal, std::move(*info),
                                             std::move(weights));
  } catch (const cuda::CudaError&) {
    throw;
  } catch (const Error& e) {
    throw SetupError(fmt::format("--device cuda:{}: {}", ordinal, e.what()));
  }
}

}  // namespace rbench::moe::gpu
