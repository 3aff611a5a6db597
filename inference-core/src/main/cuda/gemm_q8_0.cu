// Tensor-core products with Q8_0 weights (configurations s, m, l): see gemm.cuh.
#include "gemm.cuh"

GEMM_KIND(q8_0, KIND_Q8_0, false)
