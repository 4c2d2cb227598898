#!/usr/bin/env bash
# A one-host Slurm cluster on this machine for the Slurm launcher's tests (test/integration/trainingSlurm.test.ts):
# munged, slurmctld and slurmd started directly (no systemd: CI and containers have none), one node `localhost`
# with this machine's CPUs, one default partition. Idempotent: a running cluster is left alone. Needs root and the
# Debian packages slurm-wlm + munge (infra/bootstrap.sh installs them with the test extras).
# Usage: infra/slurm-local.sh [start|stop]; prints `ready` once `sinfo` answers.
set -euo pipefail
CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
STATE=/var/lib/swe-forge-slurm
MARK='# written by swe-forge infra/slurm-local.sh'

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "${1:-start}" = stop ]; then
  for f in /run/slurmd.pid /run/slurmctld.pid; do pid_alive "$f" && kill "$(cat "$f")"; done
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "slurm-local.sh: needs root (slurmd runs jobs as their user)" >&2; exit 1; }
for b in munged slurmctld slurmd sinfo; do
  command -v "$b" >/dev/null || { echo "slurm-local.sh: $b missing: apt-get install slurm-wlm munge" >&2; exit 1; }
done

# A cluster someone else configured is theirs: use it as it is.
if [ -f "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
  echo "slurm-local.sh: $CONF exists and is not ours; using it" >&2
else
  mkdir -p "$CONF_DIR" "$STATE/ctld" "$STATE/d"
  cat >"$CONF.tmp" <<EOF
$MARK
ClusterName=swe-forge-local
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
# No cgroups in a container: track processes by parent pid, no task binding, no accounting daemon.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
# Finished jobs stay visible to scontrol for an hour (the launcher reads their exit code there).
MinJobAge=3600
KillWait=30
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/d
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1024 State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  if ! cmp -s "$CONF.tmp" "$CONF"; then mv "$CONF.tmp" "$CONF"; else rm -f "$CONF.tmp"; fi
fi

if ! pgrep -x munged >/dev/null; then
  [ -f /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  mkdir -p /run/munge && chown munge:munge /run/munge 2>/dev/null || true
  runuser -u munge -- munged 2>/dev/null || munged --force
fi
pid_alive /run/slurmctld.pid || slurmctld
pid_alive /run/slurmd.pid || slurmd -N localhost

for _ in $(seq 1 60); do
  if sinfo -h -o '%T' 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; then
    echo ready
    exit 0
  fi
  # A node left down by an earlier run of this script comes back.
  scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
  sleep 1
done
echo "slurm-local.sh: the node did not become idle; see $STATE/slurmctld.log and $STATE/slurmd.log" >&2
exit 1
