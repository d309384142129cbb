#!/usr/bin/env bash
# GPU check for a lent machine that has the CUDA driver but no .NET.
#
# Here (a machine with the .NET SDK), from the repository root:
#   dotnet publish HesScale.Bench -c Release -r linux-x64 --self-contained -o publish/hesscale
#   tar -C publish -cJf publish/hesscale.tar.xz hesscale        # ~30 MB: carry this file
# There (the device tool runs this from the repository root; carry publish/hesscale.tar.xz):
#   bash HesScale.Bench/gpu-check.sh [publish/hesscale.tar.xz]
# Writes everything under $OUT (default results/gpu-check). GPU_CHECK_DEVICE overrides the
# device (default cuda) so the script's logic can be proven on a CPU: GPU_CHECK_DEVICE=cpu.
# Budget: under 4 minutes. Each step has its own timeout and they add up to 235 s (selfcheck 45,
# conv selfcheck 15, diag 20, profile 15, conv profile 15, ptx 30, cost 45, wide cost 20, sequential cost 20,
# device-sample 10); a step that runs out
# is reported and the script goes on. GPU_CHECK_REPS sets the timed steps per cost point (10).
set -uo pipefail

archive=${1:-publish/hesscale.tar.xz}
device=${GPU_CHECK_DEVICE:-cuda}
out=${OUT:-results/gpu-check}
mkdir -p "$out"
log="$out/gpu-check.log"
say() { echo "$*" | tee -a "$log"; }

say "gpu-check $(date -u +%Y-%m-%dT%H:%M:%SZ) device=$device"
if [ -x publish/hesscale/hesscale ]; then
  bin=publish/hesscale/hesscale
elif [ -f "$archive" ]; then
  work=$(mktemp -d)
  tar -C "$work" -xJf "$archive" || { say "cannot unpack $archive"; exit 1; }
  bin="$work/hesscale/hesscale"
else
  say "no published hesscale: give the .tar.xz made by 'dotnet publish' (see the top of this script)"
  exit 1
fi

# ILGPU opens the driver as libcuda.so; some machines only have libcuda.so.1.
if [ "$device" = cuda ] && ! ldconfig -p 2>/dev/null | grep -q 'libcuda\.so '; then
  so1=$(ldconfig -p 2>/dev/null | awk '/libcuda\.so\.1 /{print $NF; exit}')
  [ -z "$so1" ] && so1=$(ls /usr/lib/x86_64-linux-gnu/libcuda.so.1 /usr/lib64/libcuda.so.1 2>/dev/null | head -n 1)
  if [ -n "$so1" ]; then
    mkdir -p "$out/lib" && ln -sf "$so1" "$out/lib/libcuda.so"
    export LD_LIBRARY_PATH="$PWD/$out/lib:${LD_LIBRARY_PATH:-}"
    say "linked libcuda.so -> $so1"
  fi
fi

command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,clocks.max.mem --format=csv | tee -a "$log"

status=0
say "== selfcheck: golden cases and random networks on $device against the native CPU path"
timeout 45 "$bin" selfcheck --device "$device" --golden HesScale.Tests/Golden --random 10 2>&1 | tee "$out/selfcheck.txt" | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "== selfcheck cnn-small: the conv net's gradient and fused curvatures on $device against the native CPU path (tiled conv kernels)"
# --golden .../conv: the official code's conv cases (exact and GGN included), then the conv net against the native path.
timeout 15 "$bin" selfcheck --device "$device" --golden HesScale.Tests/Golden/conv --random 0 --conv-batch 16 2>&1 | tee "$out/selfcheck-cnn.txt" | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "== diag: every golden case, every method, on $device"
timeout 20 "$bin" diag --case HesScale.Tests/Golden --methods all --device "$device" --out "$out/diag" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "== profile: time of each device operation on $device (batch 64 takes the tiled forward kernel)"
timeout 15 "$bin" profile --device "$device" --width 512 --depth 2 --batch 64 --channels 1,2 --min-time-ms 50 --warmup-ms 20 2>&1 | tee "$out/profile.txt" | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
say "== profile cnn-small: time of each conv, pool and Linear op at batch 128 on $device (the tiled conv kernels)"
timeout 15 "$bin" profile --device "$device" --config cnn-small-128 --channels 1,2,4 --min-time-ms 30 --warmup-ms 10 2>&1 | tee "$out/profile-cnn.txt" | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "== ptx: every kernel compiled to PTX for sm_70/80/90 (and assembled where ptxas is present)"
timeout 30 "$bin" ptx --out "$out/ptx" 2>&1 | tee "$out/ptx.txt" | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "== cost: time per step on $device"
# Every method on the default configurations; the wide network with the cheap methods only
# (its exact diagonal carries 1,024 residual columns per sample).
timeout 45 "$bin" cost --device "$device" --methods all --reps ${GPU_CHECK_REPS:-10} --seconds 1 --out "$out/cost" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
timeout 20 "$bin" cost --device "$device" --configs wide --reps ${GPU_CHECK_REPS:-10} --seconds 1 --out "$out/cost-wide" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "== cost --sequential: gradient and gradient + HesScale, each alone (issue 3's libtorch-relative targets)"
timeout 20 "$bin" cost --device "$device" --sequential --configs all --methods gradient,hesscale --reps 30 --seconds 1 --out "$out/cost-sequential" 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

say "== device-sample: data kept on the device, 0 host waits per step expected"; timeout 10 "$bin" device-sample --device "$([ "$device" = cpu ] && echo ilgpu-cpu || echo "$device")" 2>&1 | tee "$out/device-sample.txt" | tee -a "$log"; [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
say "gpu-check finished with status $status; results in $out"
exit $status
