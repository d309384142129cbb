#!/usr/bin/env bash
# A real one-node Slurm cluster on this machine (docs/cluster.md, ../shared/docs/slurm.md): munged, slurmctld and
# slurmd started directly (no systemd) from a scratch folder; a sharded rl-sweep (CartPole, 2 step sizes x 2 seeds,
# 4 array tasks) plus its afterok merge job, submitted with the scripts `hesscale slurm` writes and the self-contained
# published binary; the merged CSVs must equal a single-process run's (wall time aside). Every daemon it started is
# stopped by its PID and the scratch folder removed, also on failure. Needs root (CI runs .ci/run as root).
set -euo pipefail
cd "$(realpath "$(dirname "$0")/..")" # a canonical path: MSBuild rebuilds when the project path is spelled differently
if [ "$(id -u)" -ne 0 ]; then
  echo "slurm-sweep: SKIPPED: starting munged, slurmctld and slurmd needs root (packages slurmctld slurmd slurm-client munge; CI runs it as root)"
  exit 0
fi
bash .ci/install-slurm.sh
start=$SECONDS

T=$(mktemp -d /tmp/hesscale-slurm.XXXXXX)
chmod 755 "$T" # munge's socket must be reachable through every folder on its path
munged_pid="" ctld_pid="" slurmd_pid=""
export SLURM_CONF="$T/slurm.conf"

stop() {
  local rc=$?
  set +e
  if [ -n "$ctld_pid" ]; then
    scancel --user=root >/dev/null 2>&1
    scontrol shutdown >/dev/null 2>&1
  fi
  for pid in $slurmd_pid $ctld_pid; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  if [ -n "$munged_pid" ]; then kill "$munged_pid" 2>/dev/null; wait "$munged_pid" 2>/dev/null; fi
  if [ "$rc" -ne 0 ]; then
    echo "slurm-sweep: FAILED (status $rc); logs:" >&2
    tail -n 20 "$T"/*.log "$T"/sweep/slurm/*.log >&2 2>/dev/null
  fi
  rm -rf "$T"
  exit "$rc"
}
trap stop EXIT
trap 'exit 143' TERM # through the EXIT trap: daemons stopped, folder removed
trap 'exit 130' INT

# Two free ports away from Slurm's defaults (6817/6818), so a cluster already on this machine is left alone.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; } # bash's own probe: no iproute2 needed
port=46817
while listening "$port" || listening $((port + 1)); do port=$((port + 2)); done

if [ -n "${SLURM_SWEEP_BINARY:-}" ]; then # a binary published before (developers re-running the check)
  bin=$(realpath "$SLURM_SWEEP_BINARY")
else
  echo "slurm-sweep: publishing the self-contained binary"
  dotnet publish HesScale.Bench -c Release -r linux-x64 --self-contained -o "$T/publish" -v q -nologo >"$T/publish.log" 2>&1 \
    || { cat "$T/publish.log" >&2; exit 1; }
  bin="$T/publish/hesscale"
  echo "slurm-sweep: published in $((SECONDS - start)) s"
fi

mkdir -p "$T/munge" "$T/state" "$T/spool"
mungekey --create --keyfile="$T/munge/munge.key" # the packaged key belongs to the munge user; munged as root rejects it
munged -F --socket="$T/munge/munge.socket" --key-file="$T/munge/munge.key" --pid-file="$T/munge/munged.pid" \
  --log-file="$T/munge.log" --seed-file="$T/munge/munge.seed" >"$T/munged.out" 2>&1 &
munged_pid=$!

host=$(hostname -s)
node=$(slurmd -C | head -n 1 | sed 's/^NodeName=[^ ]* //')
cat >"$SLURM_CONF" <<CONF
ClusterName=hesscale-ci
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.socket
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
MinJobAge=5
SchedulerParameters=batch_sched_delay=0
NodeName=$host NodeAddr=127.0.0.1 $node
PartitionName=ci Nodes=$host Default=YES State=UP MaxTime=INFINITE
CONF
printf 'CgroupPlugin=cgroup/v1\nCgroupAutomount=no\n' >"$T/cgroup.conf"

for _ in $(seq 50); do [ -S "$T/munge/munge.socket" ] && break; sleep 0.1; done
slurmctld -D -f "$SLURM_CONF" >"$T/slurmctld.out" 2>&1 &
ctld_pid=$!
slurmd -D -N "$host" -f "$SLURM_CONF" >"$T/slurmd.out" 2>&1 &
slurmd_pid=$!
state=""
for _ in $(seq 150); do
  state=$(sinfo -h -N -o %T 2>/dev/null || true)
  [ "$state" = "idle" ] && break
  sleep 0.2
done
[ "$state" = "idle" ] || { echo "slurm-sweep: the node is '$state', not idle, after 30 s" >&2; exit 1; }
echo "slurm-sweep: one-node cluster up ($node) in $((SECONDS - start)) s, ports $port/$((port + 1))"

sweep=(--env cartpole --algo a2c --optimizers adam --lr-min 1e-3 --lr-max 1e-2 --lr-count 2 --seeds 2 --steps 2000 --hidden 16)
"$bin" slurm rl-sweep "${sweep[@]}" --out "$T/sweep" --shards 4 --array-parallel 4 --time 00:05:00 --cpus 1 --binary "$bin" --merge-time 00:05:00
timeout 120 bash "$T/sweep/slurm/submit.sh" --wait
echo "slurm-sweep: array and merge jobs done at $((SECONDS - start)) s"
shards=$(ls "$T/sweep"/shard-*-of-4.csv | wc -l)
[ "$shards" -eq 4 ] || { echo "slurm-sweep: expected 4 shard files, found $shards" >&2; exit 1; }
[ -f "$T/sweep/rl_sweep.csv" ] || { echo "slurm-sweep: the merge job wrote no rl_sweep.csv" >&2; exit 1; }

"$bin" rl-sweep "${sweep[@]}" --parallel 2 --out "$T/single" >"$T/single.log" 2>&1
no_wall() { awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_s") w = i } { $w = ""; print }' "$1"; }
diff <(no_wall "$T/single/rl_sweep.csv") <(no_wall "$T/sweep/rl_sweep.csv") >&2 \
  || { echo "slurm-sweep: merged rl_sweep.csv differs from the single-process run" >&2; exit 1; }
diff "$T/single/rl_sweep_summary.csv" "$T/sweep/rl_sweep_summary.csv" >&2 \
  || { echo "slurm-sweep: merged rl_sweep_summary.csv differs from the single-process run" >&2; exit 1; }
[ -f "$T/sweep/rl_sweep.png" ] || { echo "slurm-sweep: the merge job wrote no figure" >&2; exit 1; }
echo "slurm-sweep: passed: 4 array tasks + merge == single process ($(($(wc -l <"$T/single/rl_sweep.csv") - 1)) runs), $((SECONDS - start)) s"
