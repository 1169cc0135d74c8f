#!/usr/bin/env bash
# slurm-local.sh -- a real single-node SLURM cluster on this machine, for the
# jupyter-jobs tests and demos.
#
#   bash scripts/slurm-local.sh up       install (if needed), configure, start, wait for idle
#   bash scripts/slurm-local.sh down     cancel all jobs, stop slurmd, slurmctld, munged
#   bash scripts/slurm-local.sh status   show daemons, sinfo and squeue
#
# Target: Debian 12 (slurm-wlm 22.05) without systemd, without cgroups, as
# root (or a user with sudo).  The node and the controller are both called
# "localhost" so nothing depends on the machine's hostname.  The config goes to
# the default /etc/slurm/slurm.conf, so sbatch/squeue/sinfo work from any shell
# afterwards without exporting SLURM_CONF.
#
# Knobs (environment, all optional):
#   SLURM_LOCAL_CPUS     CPUs the node advertises (default: max(real CPUs, 4)).
#                        More than the real count over-subscribes on purpose:
#                        test jobs mostly sleep, and a 1- or 2-core machine
#                        should still run several 1-CPU jobs at once.
#   SLURM_LOCAL_MEM_PER_CPU  DefMemPerCPU in MB (default: RealMemory/CPUs,
#                        clamped to 256..1024): default jobs are never held
#                        back by memory, and the OverMemoryKill limit stays
#                        generous enough for a notebook kernel.
#   SLURM_LOCAL_TIMEOUT  seconds `up` waits for the node to become idle (60).
set -euo pipefail

readonly CONF_DIR=/etc/slurm
readonly CONF=$CONF_DIR/slurm.conf
readonly STATE_DIR=/var/lib/slurm/slurmctld     # StateSaveLocation: jobs survive restarts
readonly SPOOL_DIR=/var/lib/slurm/slurmd        # SlurmdSpoolDir
readonly LOG_DIR=/var/log/slurm
readonly RUN_DIR=/run/slurm                     # pid files
readonly CTLD_PID=$RUN_DIR/slurmctld.pid
readonly SLURMD_PID=$RUN_DIR/slurmd.pid
readonly CTLD_LOG=$LOG_DIR/slurmctld.log
readonly SLURMD_LOG=$LOG_DIR/slurmd.log
readonly MUNGE_RUN=/run/munge
readonly MUNGE_PID=$MUNGE_RUN/munged.pid
readonly MUNGE_LOG=/var/log/munge/munged.log
readonly PACKAGES=(slurmctld slurmd slurm-client munge)
readonly TIMEOUT=${SLURM_LOCAL_TIMEOUT:-60}
SLURMD_STARTED_AT=0   # set when this run starts slurmd

log() { printf '[slurm-local] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run a command as root: directly if we are root, else through sudo if present.
as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        die "need root (or sudo) to run: $*"
    fi
}

# ---------------------------------------------------------------- processes

# Is this pid a live process running <comm>?  A zombie does not count: here
# pid 1 is not a real init and may take seconds to reap a dead daemon.
is_alive() {   # is_alive <pid> <comm>
    local pid=$1 comm=$2 stat
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 1
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
    stat=${stat##*) }              # drop "pid (comm) ", the state letter is next
    [[ ${stat:0:1} != Z ]]
}

# Is the daemon running?  Trust the pid file only if that pid still runs the
# expected program (pids get reused after a crash); otherwise fall back to an
# exact-name pgrep, so daemons started some other way are also seen.
daemon_pid() {   # daemon_pid <comm> <pidfile>  -> prints pid, status 0 if running
    local comm=$1 pidfile=$2 pid
    if [[ -r $pidfile ]]; then
        pid=$(<"$pidfile")
        if is_alive "$pid" "$comm"; then echo "$pid"; return 0; fi
    fi
    for pid in $(pgrep -x "$comm" || true); do
        if is_alive "$pid" "$comm"; then echo "$pid"; return 0; fi
    done
    return 1
}

# Send SIGTERM and wait (up to $3 seconds) for the process to go away.
stop_daemon() {   # stop_daemon <comm> <pidfile> [timeout]
    local comm=$1 pidfile=$2 timeout=${3:-15} pid i
    if ! pid=$(daemon_pid "$comm" "$pidfile"); then
        log "$comm not running"
        return 0
    fi
    log "stopping $comm (pid $pid)"
    as_root kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
        is_alive "$pid" "$comm" || { as_root rm -f "$pidfile"; return 0; }
        sleep 0.1
    done
    log "$comm did not stop after ${timeout}s, sending SIGKILL"
    as_root kill -KILL "$pid" 2>/dev/null || true
    as_root rm -f "$pidfile"
}

show_logs() {
    local f
    for f in "$MUNGE_LOG" "$CTLD_LOG" "$SLURMD_LOG"; do
        [[ -r $f ]] || continue
        log "---- last lines of $f ----"
        tail -n 20 "$f" >&2 || true
    done
}

# ---------------------------------------------------------------- up: steps

install_packages() {
    local missing=() p
    for p in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
            || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Only refresh the package lists when apt has none (fresh container);
    # retry once after an update if the install fails on stale lists.
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        as_root apt-get update -q
    fi
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}" \
        || { as_root apt-get update -q &&
             as_root apt-get install -y -q --no-install-recommends "${missing[@]}"; }
}

make_dirs() {
    as_root mkdir -p "$CONF_DIR" "$STATE_DIR" "$SPOOL_DIR" "$LOG_DIR" "$RUN_DIR"
    # munged refuses to run unless its socket dir belongs to the munge user.
    as_root mkdir -p "$MUNGE_RUN" /var/log/munge /var/lib/munge
    as_root chown munge:munge "$MUNGE_RUN" /var/log/munge /var/lib/munge
    as_root chmod 0755 "$MUNGE_RUN"
}

# Write slurm.conf; prints "changed" when the file content changed.
write_conf() {
    # `slurmd -C` prints the hardware line slurmd would register with, e.g.
    #   NodeName=x CPUs=2 Boards=1 ... RealMemory=24105
    local hw real_cpus real_mem cpus mem tmp
    hw=$(slurmd -C | head -n1)
    real_cpus=$(sed -n 's/.*\bCPUs=\([0-9]*\).*/\1/p' <<<"$hw")
    real_mem=$(sed -n 's/.*\bRealMemory=\([0-9]*\).*/\1/p' <<<"$hw")
    [[ -n $real_cpus && -n $real_mem ]] || die "cannot parse 'slurmd -C': $hw"
    cpus=${SLURM_LOCAL_CPUS:-$((real_cpus > 4 ? real_cpus : 4))}
    [[ $cpus =~ ^[1-9][0-9]*$ ]] || die "SLURM_LOCAL_CPUS must be a positive integer"
    # Advertise a little less memory than detected: if RealMemory is above
    # what slurmd measures at registration, the node goes DRAIN ("Low RealMemory").
    mem=$((real_mem * 9 / 10))
    local def_mem=${SLURM_LOCAL_MEM_PER_CPU:-$((mem / cpus))}
    [[ $def_mem =~ ^[1-9][0-9]*$ ]] || die "SLURM_LOCAL_MEM_PER_CPU must be a positive integer (MB)"
    ((def_mem > 1024)) && def_mem=1024
    ((def_mem < 256)) && def_mem=256

    tmp=$(mktemp)
    cat >"$tmp" <<EOF
# Generated by scripts/slurm-local.sh (jupyter-jobs) -- single-node test cluster.
# Regenerated on every 'up'; edit the script, not this file.
ClusterName=local
SlurmctldHost=localhost
# Run both daemons as root: no slurm-user ownership to get right.
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none

StateSaveLocation=$STATE_DIR
SlurmdSpoolDir=$SPOOL_DIR
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$SLURMD_PID
SlurmctldLogFile=$CTLD_LOG
SlurmdLogFile=$SLURMD_LOG
SlurmctldDebug=info
SlurmdDebug=info

# No cgroups here: track processes through /proc parent links, bind nothing.
# (A job step must 'exec' its real runner, or a child ignoring SIGTERM can
# escape scancel.)
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
# Poll job memory from /proc every 2 s and SIGKILL steps over their memory
# limit, so --mem means something without cgroups.  (Such a job ends FAILED
# with exit signal 9, not OUT_OF_MEMORY: that state needs cgroups.)
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=2
JobAcctGatherParams=OverMemoryKill
# No slurmdbd: no accounting, no sacct.  Finished jobs are only visible in
# squeue/scontrol for MinJobAge seconds (the backend keeps final states itself).
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=300
# Reject at submit time what could never run (e.g. --time above the
# partition's MaxTime, more CPUs than the node has) instead of leaving it
# PENDING forever with reason PartitionTimeLimit / PartitionConfig.
EnforcePartLimits=ALL

# Cores and memory are consumable, so several small jobs run side by side.
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
# Without a default, a job is given the node's whole memory -> one job at a time.
DefMemPerCPU=$def_mem
# A node that was DOWN comes back by itself once slurmd registers again.
ReturnToService=2
# Trust the CPU count below even when it is more than the hardware has
# (deliberate over-subscription); otherwise the node would be drained.
SlurmdParameters=config_overrides
SlurmdTimeout=60
KillWait=5

# Hardware seen: $hw
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=localhost Default=NO MaxTime=00:05:00 State=UP
EOF
    if [[ -f $CONF ]] && cmp -s "$tmp" "$CONF"; then
        rm -f "$tmp"
    else
        as_root install -m 0644 "$tmp" "$CONF"
        rm -f "$tmp"
        echo changed
    fi
}

start_munge() {
    if daemon_pid munged "$MUNGE_PID" >/dev/null; then
        log "munged already running"
        return 0
    fi
    # The munge package generates /etc/munge/munge.key at install; make one if not.
    if [[ ! -s /etc/munge/munge.key ]]; then
        log "creating munge key"
        as_root runuser -u munge -- mungekey --create --keyfile=/etc/munge/munge.key
    fi
    log "starting munged"
    # --force: start even if a stale socket is left from an unclean stop.
    as_root runuser -u munge -- munged --force || { show_logs; die "munged failed to start"; }
}

start_slurmctld() {
    if daemon_pid slurmctld "$CTLD_PID" >/dev/null; then
        log "slurmctld already running"
        return 0
    fi
    log "starting slurmctld"
    # Daemonizes; recovers jobs from $STATE_DIR.  A config error exits here.
    as_root slurmctld || { show_logs; die "slurmctld failed to start"; }
}

start_slurmd() {
    if daemon_pid slurmd "$SLURMD_PID" >/dev/null; then
        log "slurmd already running"
        return 0
    fi
    log "starting slurmd"
    SLURMD_STARTED_AT=$(date +%s)
    # -N: the node name from slurm.conf, independent of the machine's hostname.
    as_root slurmd -N localhost || { show_logs; die "slurmd failed to start"; }
}

# Seconds since the epoch at which the node's current slurmd registered
# (0 if unknown).
slurmd_registered_at() {
    local t
    t=$(scontrol show node localhost -o 2>/dev/null |
        sed -n 's/.*SlurmdStartTime=\([0-9T:-]*\).*/\1/p')
    [[ -n $t ]] && date -d "$t" +%s 2>/dev/null || echo 0
}

wait_idle() {
    local deadline=$((SECONDS + TIMEOUT)) state=""
    while ((SECONDS < deadline)); do
        # A restarted slurmctld reports the node "idle" from its saved state
        # before slurmd has registered: when we just started slurmd, wait
        # until the controller has heard from that slurmd.
        if ((SLURMD_STARTED_AT > 0)) &&
           (($(slurmd_registered_at) < SLURMD_STARTED_AT - 1)); then
            sleep 0.2
            continue
        fi
        # %t: compact state; "idle", "mix", "alloc", "comp" mean the node is
        # up.  A trailing "*" means slurmd is not responding (keep waiting);
        # other suffix flags ("-" planned, "~" powered off...) do not matter.
        state=$(sinfo -h -n localhost -o %t 2>/dev/null | head -n1 || true)
        if [[ $state != *\* ]]; then
            case ${state%%[^a-z]*} in
                idle|mix|alloc|comp) log "node localhost is $state"; return 0 ;;
                drain|drng|down)
                    # ReturnToService=2 normally clears DOWN by itself; a drain
                    # left over from an earlier config does not.
                    as_root scontrol update NodeName=localhost State=RESUME 2>/dev/null || true ;;
            esac
        fi
        sleep 0.5
    done
    log "node did not become idle within ${TIMEOUT}s (last state: '${state:-no answer}')"
    sinfo -N -l >&2 2>&1 || true
    show_logs
    die "slurm did not come up"
}

cmd_up() {
    local t0=$SECONDS changed
    install_packages
    make_dirs
    changed=$(write_conf)
    start_munge
    # Make sure munge really answers before slurm needs it.
    local i
    for ((i = 0; i < 50; i++)); do
        munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.1
    done
    ((i < 50)) || { show_logs; die "munged does not answer"; }

    if [[ -n $changed ]] && { daemon_pid slurmctld "$CTLD_PID" || daemon_pid slurmd "$SLURMD_PID"; } >/dev/null; then
        # Node definitions are only read at daemon start in 22.05.  Running
        # jobs survive the restart (state is saved, slurmstepd outlives
        # slurmd) unless the node's CPU layout changed: then Slurm requeues them.
        log "slurm.conf changed: restarting slurm daemons"
        stop_daemon slurmd "$SLURMD_PID"
        stop_daemon slurmctld "$CTLD_PID"
    fi
    start_slurmctld
    start_slurmd
    wait_idle
    log "up in $((SECONDS - t0))s; partitions: $(sinfo -h -o %P | tr '\n' ' ')"
}

cmd_down() {
    if daemon_pid slurmctld "$CTLD_PID" >/dev/null; then
        # Cancel every job first, so no job step outlives the cluster
        # (slurmstepd survives a stopped slurmd).
        local jobs i
        jobs=$(squeue -h -o %A -t PENDING,RUNNING,SUSPENDED,CONFIGURING,COMPLETING 2>/dev/null || true)
        if [[ -n $jobs ]]; then
            log "cancelling jobs: ${jobs//$'\n'/ }"
            # shellcheck disable=SC2086
            as_root scancel $jobs 2>/dev/null || true
            for ((i = 0; i < 30; i++)); do
                [[ -z $(squeue -h -o %A -t RUNNING,COMPLETING 2>/dev/null) ]] && break
                sleep 0.5
            done
        fi
    fi
    stop_daemon slurmd "$SLURMD_PID"
    stop_daemon slurmctld "$CTLD_PID"
    stop_daemon munged "$MUNGE_PID"
}

cmd_status() {
    local name pidfile pid
    for name in munged slurmctld slurmd; do
        case $name in
            munged) pidfile=$MUNGE_PID ;;
            slurmctld) pidfile=$CTLD_PID ;;
            slurmd) pidfile=$SLURMD_PID ;;
        esac
        if pid=$(daemon_pid "$name" "$pidfile"); then
            echo "$name: running (pid $pid)"
        else
            echo "$name: stopped"
        fi
    done
    if daemon_pid slurmctld "$CTLD_PID" >/dev/null; then
        echo
        sinfo || true
        echo
        squeue -t all -o '%.8i %.9P %.20j %.8u %.12T %.10M %.6D %R' || true
    fi
}

case ${1:-} in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
