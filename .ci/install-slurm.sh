#!/usr/bin/env bash
# Installs Debian's one-node Slurm (slurmctld, slurmd, slurm-client) and munge when absent; quiet, idempotent,
# a few milliseconds when present. Needs root. Services are not started (a policy-rc.d that answers 101 while
# installing): .ci/slurm-sweep.sh starts its own daemons.
set -euo pipefail
need=()
for tool in slurmctld slurmd sbatch munged mungekey; do command -v "$tool" >/dev/null || need+=("$tool"); done
[ ${#need[@]} -eq 0 ] && exit 0
[ "$(id -u)" -eq 0 ] || { echo "install-slurm: missing ${need[*]}; installing them needs root" >&2; exit 1; }
policy=/usr/sbin/policy-rc.d
added=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && added=1
fi
trap 'if [ "$added" -eq 1 ]; then rm -f "$policy"; fi' EXIT
# flock: several checkouts on one machine may install at once.
flock /tmp/apt.lock bash -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null'
