// Tensor-core products with F16 weights (configurations s, m, l): see gemm.cuh.
#include "gemm.cuh"

GEMM_KIND(f16, KIND_F16, false)
