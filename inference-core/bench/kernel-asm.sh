#!/usr/bin/env bash
# C2's machine code for one kernel, per JVM: runs GenerateBench (batch-1, 128-token prompt) JVMS times
# with -XX:CompileCommand=print for METHOD, disassembles the last non-OSR C2 compile of each with
# objdump (JDK 17 prints raw bytes without an hsdis library of its own API version; Debian's
# libhsdis0-fcml has the old one), and prints per JVM: prefill tok/s, code size, stack-slot accesses
# and the instruction count of the innermost loop (the one holding the first vpmullw/vfmadd231ps).
# That is how the per-JVM spread of the Q4_0 prefill was traced to spilled accumulators in
# Q8BlockTensor.tile4Int16 (docs/cpu-inference-log.md).
#
#   bash inference-core/bench/kernel-asm.sh MODEL.gguf [METHOD=Q8BlockTensor.tile4Int16] [JVMS=3]
#
# Needs: Maven (engine-classpath.sh compiles the engine); objdump (binutils) and python3. The listings are kept in
# $OUT (default: a new temporary folder) as jvm-N.s. JAVA picks the JVM as in compare-llamacpp.sh; ROOT
# another compiled checkout (e.g. a git worktree) to compare builds.
set -euo pipefail
MODEL=$1; METHOD=${2:-Q8BlockTensor.tile4Int16}; JVMS=${3:-3}
JAVA=${JAVA:-java}
OUT=${OUT:-$(mktemp -d)}
source "$(dirname "$0")/engine-classpath.sh"
for i in $(seq 1 "$JVMS"); do
  "$JAVA" $JVM_FLAGS -Xmx12g -XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=quiet \
      "-XX:CompileCommand=print,*${METHOD//./::}" -cp "$CP" dev.kindling.inference.bench.GenerateBench \
      --model "$MODEL" --prompt-tokens 128 --gen 8 --threads 2 --reps 4 --warmup 1 > "$OUT/jvm-$i.log" 2>/dev/null
  python3 - "$OUT/jvm-$i.log" "$OUT/jvm-$i.s" "${METHOD##*.}" <<'EOF'
import re, subprocess, sys, json
log, out, name = sys.argv[1], sys.argv[2], sys.argv[3]
lines = open(log).read().split('\n')
starts = [i for i, l in enumerate(lines) if 'Compiled method (c2)' in l and ' % ' not in l and '::' + name + ' ' in l]
if not starts:
    sys.exit(f'{log}: no C2 compile of {name} printed')
i = starts[-1]
size = next(l.split('=')[-1].strip() for l in lines[i:i + 20] if 'main code' in l)
base, code = None, bytearray()
for l in lines[i:]:
    if '[/MachCode]' in l:
        break
    m = re.match(r'\s+0x([0-9a-f]+): ((?:[0-9a-f]{4} ?\|? ?)+)\s*$', l)
    if m and ';' not in l:
        addr, hx = int(m.group(1), 16), re.sub(r'[ |]', '', m.group(2))
        base = addr if base is None else base
        code[addr - base:addr - base + len(hx) // 2] = bytes.fromhex(hx)
open(out + '.bin', 'wb').write(code)
asm = subprocess.run(['objdump', '-D', '-b', 'binary', '-mi386:x86-64', '-M', 'intel', f'--adjust-vma={base:#x}', out + '.bin'],
                     capture_output=True, text=True, check=True).stdout
open(out, 'w').write(asm)
ins = [(int(p[0].strip().rstrip(':'), 16), p[-1].strip()) for p in (l.split('\t') for l in asm.split('\n')) if len(p) >= 3]
def backward_target(k):  # the target of instruction k if it jumps backwards, else None
    m = re.match(r'j\w+ +0x([0-9a-f]+)', ins[k][1])
    return int(m.group(1), 16) if m and int(m.group(1), 16) <= ins[k][0] else None
# the innermost loop: from the first multiply to the first backward jump after it, back to that jump's target
loop = None
hot = next((k for k, (_, s) in enumerate(ins) if s.startswith(('vpmullw', 'vfmadd231ps'))), None)
end = None if hot is None else next((k for k in range(hot, len(ins)) if backward_target(k) is not None), None)
if end is not None:
    loop = end - next(k for k, (a, _) in enumerate(ins) if a == backward_target(end)) + 1
prefill = next((json.loads(l)['prefill_tok_s'] for l in lines if l.startswith('{') and 'prefill_tok_s' in l), None)
print(json.dumps({'jvm': out, 'prefill_tok_s': prefill, 'code_bytes': int(size),
                  'stack_accesses': sum('rsp+' in s for _, s in ins), 'inner_loop_instructions': loop}))
EOF
done
