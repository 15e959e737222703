// A captured CUDA graph, instantiated and ready to replay: what a stream was given between
// capture()'s begin and end, launched again with one call. Owned by RAII (the executable graph is
// destroyed with its owner); destruction never throws.
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <utility>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/stream.h"

namespace rbench::moe::cuda {

class GraphExec {
 public:
  GraphExec() = default;

  // Runs `enqueue()` with `stream` in capture mode and instantiates what it put there. Nothing
  // runs during capture: every pointer and parameter the launches use is fixed into the graph.
  // Thread-local capture: other threads may keep using CUDA meanwhile, while this thread may not
  // call anything that would synchronise (a cudaMalloc or cudaFree, a synchronize()). When
  // `enqueue` throws, the capture is ended and discarded and the exception passes on.
  template <typename Enqueue>
  static GraphExec capture(const Stream& stream, Enqueue&& enqueue) {
    RBENCH_CUDA_CHECK(cudaStreamBeginCapture(stream.get(), cudaStreamCaptureModeThreadLocal));
    try {
      enqueue();
    } catch (...) {
      cudaGraph_t partial = nullptr;
      if (cudaStreamEndCapture(stream.get(), &partial) == cudaSuccess && partial != nullptr) {
        cudaGraphDestroy(partial);
      }
      cudaGetLastError();  // clears what the broken capture left, so the next launch check is clean
      throw;
    }
    cudaGraph_t graph = nullptr;
    RBENCH_CUDA_CHECK(cudaStreamEndCapture(stream.get(), &graph));
    const std::unique_ptr<CUgraph_st, DestroyGraph> owned(graph);
    cudaGraphExec_t exec = nullptr;
    RBENCH_CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
    GraphExec out;
    out.exec_.reset(exec);
    return out;
  }

  explicit operator bool() const { return exec_ != nullptr; }
  void launch(const Stream& stream) const {
    RBENCH_CUDA_CHECK(cudaGraphLaunch(exec_.get(), stream.get()));
  }

 private:
  struct DestroyGraph {
    void operator()(cudaGraph_t g) const { cudaGraphDestroy(g); }
  };
  struct DestroyExec {
    void operator()(cudaGraphExec_t e) const { cudaGraphExecDestroy(e); }
  };
  std::unique_ptr<CUgraphExec_st, DestroyExec> exec_;
};

}  // namespace rbench::moe::cuda
