// Tensor-core products with BF16 weights (configurations s, m, l): see gemm.cuh.
#include "gemm.cuh"

GEMM_KIND(bf16, KIND_BF16, true)
