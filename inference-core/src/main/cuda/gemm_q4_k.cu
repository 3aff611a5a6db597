// Tensor-core products with Q4_K weights (configurations s, m, l): see gemm.cuh.
#include "gemm.cuh"

GEMM_KIND(q4_k, KIND_Q4_K, false)
