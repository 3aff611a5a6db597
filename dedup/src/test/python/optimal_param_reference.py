"""Writes optimal_param_reference.tsv: bands and rows chosen by text-dedup's optimal_param rule
(minimise 0.5*FP + 0.5*FN, FP = integral_0^t 1-(1-s^r)^b ds, FN = integral_t^1 (1-s^r)^b ds,
first (b, r) in b-major order wins ties), integrated with SciPy's quad as the reference does.

Run with Debian's python3-scipy:  /usr/bin/python3 optimal_param_reference.py > ../resources/dev/kindling/dedup/optimal_param_reference.tsv
"""
from scipy.integrate import quad


def optimal(threshold, num_perm, fp_w=0.5, fn_w=0.5):
    best, opt = float("inf"), (0, 0)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp, _ = quad(lambda s: 1 - (1 - s ** float(r)) ** float(b), 0.0, threshold)
            fn, _ = quad(lambda s: 1 - (1 - (1 - s ** float(r)) ** float(b)), threshold, 1.0)
            err = fp * fp_w + fn * fn_w
            if err < best:
                best, opt = err, (b, r)
    return opt


print("# threshold\tnum_perm\tfp_weight\tfn_weight\tbands\trows  (from src/test/python/optimal_param_reference.py, SciPy quad)")
for num_perm in (64, 112, 128, 256):
    for t in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        b, r = optimal(t, num_perm)
        print(f"{t}\t{num_perm}\t0.5\t0.5\t{b}\t{r}")
b, r = optimal(0.75, 256, 0.1, 0.9)
print(f"0.75\t256\t0.1\t0.9\t{b}\t{r}")
