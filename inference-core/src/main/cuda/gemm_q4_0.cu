// Tensor-core products with Q4_0 weights (configurations s, m, l): see gemm.cuh.
#include "gemm.cuh"

GEMM_KIND(q4_0, KIND_Q4_0, false)
