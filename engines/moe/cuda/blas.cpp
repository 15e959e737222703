// cuBLAS and cuBLASLt through dlopen (blas.h). The entry points are resolved once into a table of
// typed function pointers, declared from the toolkit's own headers so that a signature mismatch
// is a compile error, not a crash.
#include "engines/moe/cuda/blas.h"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <dlfcn.h>

#include <string>

#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/device_buffer.h"

namespace rbench::moe::cuda {
namespace {

// The major version rbench was compiled against: its libraries' sonames end in it.
const std::string kMajor = std::to_string(CUBLAS_VER_MAJOR);

struct Library {
  void* handle = nullptr;
  std::string name;
  explicit Library(const std::string& soname) : name(soname) {
    handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      throw Error("cannot load " + soname + " (needed by --device cuda; install the CUDA " +
                  kMajor + " toolkit's cuBLAS or add its folder to LD_LIBRARY_PATH): " +
                  (why ? why : "dlopen failed"));
    }
  }
  ~Library() {
    if (handle) dlclose(handle);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  template <typename F>
  F symbol(const char* symbol_name) const {
    void* p = dlsym(handle, symbol_name);
    if (p == nullptr) throw Error(name + " lacks " + symbol_name);
    return reinterpret_cast<F>(p);
  }
};

const char* status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS:
      return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
      return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
      return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
      return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
      return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
      return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
      return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
      return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
      return "CUBLAS_STATUS_NOT_SUPPORTED";
    default:
      return "cublasStatus_t";
  }
}

void check_blas(cublasStatus_t s, const char* call) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    throw Error(std::string(call) + " failed: " + status_name(s) + " (" +
                std::to_string(static_cast<int>(s)) + ")");
  }
}

constexpr std::size_t kLtWorkspaceBytes = std::size_t{32} << 20;

}  // namespace

struct Blas::Impl {
  Library cublas{"libcublas.so." + kMajor};
  Library cublas_lt{"libcublasLt.so." + kMajor};

  decltype(&cublasCreate_v2) create = cublas.symbol<decltype(&cublasCreate_v2)>("cublasCreate_v2");
  decltype(&cublasDestroy_v2) destroy =
      cublas.symbol<decltype(&cublasDestroy_v2)>("cublasDestroy_v2");
  decltype(&cublasSetStream_v2) set_stream =
      cublas.symbol<decltype(&cublasSetStream_v2)>("cublasSetStream_v2");
  decltype(&cublasSetMathMode) set_math_mode =
      cublas.symbol<decltype(&cublasSetMathMode)>("cublasSetMathMode");
  decltype(&cublasSgemm_v2) sgemm = cublas.symbol<decltype(&cublasSgemm_v2)>("cublasSgemm_v2");
  decltype(&cublasGetVersion_v2) get_version =
      cublas.symbol<decltype(&cublasGetVersion_v2)>("cublasGetVersion_v2");

  decltype(&cublasLtCreate) lt_create =
      cublas_lt.symbol<decltype(&cublasLtCreate)>("cublasLtCreate");
  decltype(&cublasLtDestroy) lt_destroy =
      cublas_lt.symbol<decltype(&cublasLtDestroy)>("cublasLtDestroy");
  decltype(&cublasLtGetVersion) lt_version =
      cublas_lt.symbol<decltype(&cublasLtGetVersion)>("cublasLtGetVersion");
  decltype(&cublasLtMatmulDescCreate) desc_create =
      cublas_lt.symbol<decltype(&cublasLtMatmulDescCreate)>("cublasLtMatmulDescCreate");
  decltype(&cublasLtMatmulDescDestroy) desc_destroy =
      cublas_lt.symbol<decltype(&cublasLtMatmulDescDestroy)>("cublasLtMatmulDescDestroy");
  decltype(&cublasLtMatmulDescSetAttribute) desc_set =
      cublas_lt.symbol<decltype(&cublasLtMatmulDescSetAttribute)>("cublasLtMatmulDescSetAttribute");
  decltype(&cublasLtMatrixLayoutCreate) layout_create =
      cublas_lt.symbol<decltype(&cublasLtMatrixLayoutCreate)>("cublasLtMatrixLayoutCreate");
  decltype(&cublasLtMatrixLayoutDestroy) layout_destroy =
      cublas_lt.symbol<decltype(&cublasLtMatrixLayoutDestroy)>("cublasLtMatrixLayoutDestroy");
  decltype(&cublasLtMatmulPreferenceCreate) pref_create =
      cublas_lt.symbol<decltype(&cublasLtMatmulPreferenceCreate)>("cublasLtMatmulPreferenceCreate");
  decltype(&cublasLtMatmulPreferenceDestroy) pref_destroy =
      cublas_lt.symbol<decltype(&cublasLtMatmulPreferenceDestroy)>(
          "cublasLtMatmulPreferenceDestroy");
  decltype(&cublasLtMatmulPreferenceSetAttribute) pref_set =
      cublas_lt.symbol<decltype(&cublasLtMatmulPreferenceSetAttribute)>(
          "cublasLtMatmulPreferenceSetAttribute");
  decltype(&cublasLtMatmulAlgoGetHeuristic) heuristic =
      cublas_lt.symbol<decltype(&cublasLtMatmulAlgoGetHeuristic)>("cublasLtMatmulAlgoGetHeuristic");
  decltype(&cublasLtMatmul) lt_matmul =
      cublas_lt.symbol<decltype(&cublasLtMatmul)>("cublasLtMatmul");

  cublasHandle_t handle = nullptr;
  cublasLtHandle_t lt_handle = nullptr;
  int device_major = 0;
  int device_minor = 0;
  DeviceBuffer<std::byte> lt_workspace;

  Impl() {
    check_blas(create(&handle), "cublasCreate");
    // TF32 off: an f32 product is an f32 product (the CPU comparison's 1e-4 depends on it).
    check_blas(set_math_mode(handle, CUBLAS_PEDANTIC_MATH), "cublasSetMathMode");
    check_blas(lt_create(&lt_handle), "cublasLtCreate");
    int device = 0;
    RBENCH_CUDA_CHECK(cudaGetDevice(&device));
    RBENCH_CUDA_CHECK(
        cudaDeviceGetAttribute(&device_major, cudaDevAttrComputeCapabilityMajor, device));
    RBENCH_CUDA_CHECK(
        cudaDeviceGetAttribute(&device_minor, cudaDevAttrComputeCapabilityMinor, device));
  }
  ~Impl() {
    if (lt_handle) lt_destroy(lt_handle);
    if (handle) destroy(handle);
  }
};

Blas::Blas() : impl_(std::make_unique<Impl>()) {}
Blas::~Blas() = default;

std::string Blas::describe() const {
  int version = 0;
  impl_->get_version(impl_->handle, &version);
  return "cuBLAS " + std::to_string(version) + ", cuBLASLt " + std::to_string(impl_->lt_version());
}

void Blas::gemm_f32(const float* w, int rows, int cols, const float* x, int x_stride, int n,
                    float* y, int y_stride, cudaStream_t stream) const {
  if (rows <= 0 || cols <= 0 || n < 0 || x_stride < cols || y_stride < rows) {
    throw Error("Blas::gemm_f32: rows " + std::to_string(rows) + ", cols " + std::to_string(cols) +
                ", n " + std::to_string(n) + ", x_stride " + std::to_string(x_stride) +
                ", y_stride " + std::to_string(y_stride));
  }
  if (!w || !x || !y) throw Error("Blas::gemm_f32: null pointer");
  if (n == 0) return;
  check_blas(impl_->set_stream(impl_->handle, stream), "cublasSetStream");
  // Column-major: Y^T (rows x n, ld y_stride) = W (cols x rows as stored, transposed) * X^T
  // (cols x n, ld x_stride).
  const float alpha = 1.0f;
  const float beta = 0.0f;
  check_blas(impl_->sgemm(impl_->handle, CUBLAS_OP_T, CUBLAS_OP_N, rows, n, cols, &alpha, w, cols,
                          x, x_stride, &beta, y, y_stride),
             "cublasSgemm");
}

std::string Blas::fp8_blockscaled_unsupported() const {
#if CUBLAS_VERSION < 120900
  return "rbench was built against cuBLAS " + std::to_string(CUBLAS_VERSION) +
         "; block-scaled fp8 needs 12.9 or later";
#else
  const std::size_t lt = impl_->lt_version();
  if (lt < 120900) {
    return "the loaded cuBLASLt is " + std::to_string(lt) + "; block-scaled fp8 needs 12.9+";
  }
  if (impl_->device_major != 9) {
    return "block-scaled fp8 with 128x128 weight blocks is offered on sm_90 (Hopper); this "
           "device is sm_" +
           std::to_string(impl_->device_major) + std::to_string(impl_->device_minor);
  }
  return {};
#endif
}

void Blas::gemm_fp8_blockscaled(const Fp8GemmParams& p, cudaStream_t stream) const {
  if (const std::string why = fp8_blockscaled_unsupported(); !why.empty()) {
    throw Error("Blas::gemm_fp8_blockscaled: " + why);
  }
  if (p.rows <= 0 || p.rows % 16 != 0 || p.cols <= 0 || p.cols % 128 != 0 || p.n <= 0) {
    throw Error("Blas::gemm_fp8_blockscaled: rows " + std::to_string(p.rows) +
                " (a multiple of 16), cols " + std::to_string(p.cols) + " (a multiple of 128), n " +
                std::to_string(p.n));
  }
  if (!p.w || !p.w_scales || !p.x || !p.x_scales || !p.y) {
    throw Error("Blas::gemm_fp8_blockscaled: null pointer");
  }
#if CUBLAS_VERSION >= 120900
  Impl& b = *impl_;
  if (b.lt_workspace.size() == 0) b.lt_workspace = DeviceBuffer<std::byte>(kLtWorkspaceBytes);
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a_layout = nullptr, b_layout = nullptr, d_layout = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  // Freed on every path out, the throwing ones included.
  struct Cleanup {
    Impl& b;
    cublasLtMatmulDesc_t& desc;
    cublasLtMatrixLayout_t &a, &bl, &d;
    cublasLtMatmulPreference_t& pref;
    ~Cleanup() {
      if (pref) b.pref_destroy(pref);
      if (d) b.layout_destroy(d);
      if (bl) b.layout_destroy(bl);
      if (a) b.layout_destroy(a);
      if (desc) b.desc_destroy(desc);
    }
  } cleanup{b, desc, a_layout, b_layout, d_layout, pref};

  check_blas(b.desc_create(&desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate");
  const cublasOperation_t transa = CUBLAS_OP_T;
  const cublasOperation_t transb = CUBLAS_OP_N;
  check_blas(b.desc_set(desc, CUBLASLT_MATMUL_DESC_TRANSA, &transa, sizeof(transa)), "TRANSA");
  check_blas(b.desc_set(desc, CUBLASLT_MATMUL_DESC_TRANSB, &transb, sizeof(transb)), "TRANSB");
  const cublasLtMatmulMatrixScale_t a_mode = CUBLASLT_MATMUL_MATRIX_SCALE_BLK128x128_32F;
  const cublasLtMatmulMatrixScale_t b_mode = CUBLASLT_MATMUL_MATRIX_SCALE_VEC128_32F;
  check_blas(b.desc_set(desc, CUBLASLT_MATMUL_DESC_A_SCALE_MODE, &a_mode, sizeof(a_mode)),
             "A_SCALE_MODE");
  check_blas(b.desc_set(desc, CUBLASLT_MATMUL_DESC_B_SCALE_MODE, &b_mode, sizeof(b_mode)),
             "B_SCALE_MODE");
  const void* a_scale = p.w_scales;
  const void* b_scale = p.x_scales;
  check_blas(b.desc_set(desc, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER, &a_scale, sizeof(a_scale)),
             "A_SCALE_POINTER");
  check_blas(b.desc_set(desc, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, &b_scale, sizeof(b_scale)),
             "B_SCALE_POINTER");
  // A: the weights, stored [rows][cols] = column-major cols x rows, transposed. B: the
  // activations [n][cols] = column-major cols x n. D: [n][rows] = column-major rows x n.
  check_blas(b.layout_create(&a_layout, CUDA_R_8F_E4M3, p.cols, p.rows, p.cols), "layout A");
  check_blas(b.layout_create(&b_layout, CUDA_R_8F_E4M3, p.cols, p.n, p.cols), "layout B");
  check_blas(b.layout_create(&d_layout, CUDA_R_32F, p.rows, p.n, p.rows), "layout D");
  check_blas(b.pref_create(&pref), "cublasLtMatmulPreferenceCreate");
  const std::size_t workspace = b.lt_workspace.size();
  check_blas(
      b.pref_set(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace, sizeof(workspace)),
      "MAX_WORKSPACE_BYTES");
  cublasLtMatmulHeuristicResult_t result{};
  int found = 0;
  check_blas(b.heuristic(b.lt_handle, desc, a_layout, b_layout, d_layout, d_layout, pref, 1,
                         &result, &found),
             "cublasLtMatmulAlgoGetHeuristic");
  if (found == 0) {
    throw Error("cuBLASLt offers no block-scaled fp8 algorithm for rows " + std::to_string(p.rows) +
                ", cols " + std::to_string(p.cols) + ", n " + std::to_string(p.n));
  }
  const float alpha = 1.0f;
  const float beta = 0.0f;
  check_blas(
      b.lt_matmul(b.lt_handle, desc, &alpha, p.w, a_layout, p.x, b_layout, &beta, p.y, d_layout,
                  p.y, d_layout, &result.algo, b.lt_workspace.data(), workspace, stream),
      "cublasLtMatmul");
#else
  (void)stream;
#endif
}

}  // namespace rbench::moe::cuda
