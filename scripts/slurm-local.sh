#!/usr/bin/env bash
# slurm-local.sh -- a real SLURM cluster on this machine (one node, or two), for
# the jupyter-jobs tests and demos.
#
#   bash scripts/slurm-local.sh up [--nodes 1|2]   install (if needed), configure,
#                                        start, wait until every node is idle
#   bash scripts/slurm-local.sh down     cancel all jobs, stop slurmd(s), slurmctld,
#                                        munged, remove node2's network namespace
#   bash scripts/slurm-local.sh status   show daemons, sinfo and squeue
#
# Target: Debian 12 (slurm-wlm 22.05) without systemd, without cgroups, as
# root (or a user with sudo).  The config goes to the default
# /etc/slurm/slurm.conf, so sbatch/squeue/sinfo work from any shell afterwards
# without exporting SLURM_CONF.
#
# One node (the default): node and controller are both called "localhost", so
# nothing depends on the machine's hostname.
# Two nodes (--nodes 2): a second "host" on the same machine, as on a real
# cluster with a shared filesystem.  node1 is this machine's own namespaces, at
# 10.213.0.1 on one end of a veth pair; node2 sits at 10.213.0.2 on the other
# end, in the network namespace "jjnode2", with the hostname "node2" in a UTS
# namespace of its own.  Both see the same files and processes.  (No node may
# be called localhost in a multi-node slurm.conf: slurmctld dies with
# "Duplicated NodeHostName".)  `up` without --nodes keeps the size the cluster
# has; `down` removes the namespace and the veth pair.
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
readonly SPOOL_BASE=/var/lib/slurm/slurmd       # SlurmdSpoolDir: <base>-<node>
readonly LOG_DIR=/var/log/slurm
readonly RUN_DIR=/run/slurm                     # pid files
readonly CTLD_PID=$RUN_DIR/slurmctld.pid
readonly CTLD_LOG=$LOG_DIR/slurmctld.log
# Per node (slurm.conf's %n is the node name): one slurmd per node on this machine.
slurmd_pidfile() { echo "$RUN_DIR/slurmd-$1.pid"; }
slurmd_logfile() { echo "$LOG_DIR/slurmd-$1.log"; }
# Every node name this script ever uses, so `down` and a resize find them all.
readonly ALL_NODE_NAMES=(localhost node1 node2)
# The second node's "host": a network namespace behind a veth pair.
readonly NETNS=jjnode2
readonly VETH_HOST=jjveth1        # in this machine's namespace: node1 and the controller
readonly VETH_NODE=jjveth2        # in $NETNS: node2
readonly ADDR1=10.213.0.1
readonly ADDR2=10.213.0.2
readonly PREFIX=24
readonly MUNGE_RUN=/run/munge
readonly MUNGE_PID=$MUNGE_RUN/munged.pid
readonly MUNGE_LOG=/var/log/munge/munged.log
readonly PACKAGES=(slurmctld slurmd slurm-client munge)
readonly TIMEOUT=${SLURM_LOCAL_TIMEOUT:-60}
NODES=(localhost)     # the node names of the cluster `up` brings up
STARTED_AT=()         # per node in NODES: when this run started its slurmd (0: it did not)

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

# The slurmd of one node: several run on this machine, told apart by their
# `-N <node>` argument (a slurmd started without -N counts as "localhost").
slurmd_pid() {   # slurmd_pid <node>  -> prints pid, status 0 if running
    local node=$1 pid cmd
    for pid in $(cat "$(slurmd_pidfile "$node")" 2>/dev/null || true) $(pgrep -x slurmd || true); do
        is_alive "$pid" slurmd || continue
        cmd=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
        if [[ " $cmd" == *" -N $node "* ]] ||
           { [[ " $cmd" != *" -N "* ]] && [[ $node == localhost ]]; }; then
            echo "$pid"
            return 0
        fi
    done
    return 1
}

# Send SIGTERM and wait (up to $3 seconds) for the process to go away.
stop_daemon() {   # stop_daemon <comm> <pidfile> [timeout]
    local comm=$1 pidfile=$2 timeout=${3:-15} pid
    if ! pid=$(daemon_pid "$comm" "$pidfile"); then
        log "$comm not running"
        return 0
    fi
    stop_pid "$comm" "$pid" "$pidfile" "$timeout"
}

stop_slurmd() {   # stop_slurmd <node>
    local pid
    pid=$(slurmd_pid "$1") || return 0
    stop_pid slurmd "$pid" "$(slurmd_pidfile "$1")"
}

stop_pid() {   # stop_pid <comm> <pid> <pidfile> [timeout]
    local comm=$1 pid=$2 pidfile=$3 timeout=${4:-15} i
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
    local f node logs=("$MUNGE_LOG" "$CTLD_LOG")
    for node in "${NODES[@]}"; do logs+=("$(slurmd_logfile "$node")"); done
    for f in "${logs[@]}"; do
        [[ -r $f ]] || continue
        log "---- last lines of $f ----"
        tail -n 20 "$f" >&2 || true
    done
}

# ---------------------------------------------------------------- up: steps

install_packages() {
    local missing=() p installed packages=("${PACKAGES[@]}")
    # `ip` makes node2's network namespace and veth pair (not in every minimal image).
    ((${#NODES[@]} > 1)) && packages+=(iproute2)
    # One dpkg-query for all of them (each call costs a noticeable fraction of a second).
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
    for p in "${packages[@]}"; do
        grep -qx "$p install ok installed" <<<"$installed" || missing+=("$p")
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
    local node
    as_root mkdir -p "$CONF_DIR" "$STATE_DIR" "$LOG_DIR" "$RUN_DIR"
    for node in "${NODES[@]}"; do as_root mkdir -p "$SPOOL_BASE-$node"; done
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
    hw=$(slurmd -C)
    hw=${hw%%$'\n'*}
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

    # One node: everything is "localhost".  Two: node1 here, node2 in $NETNS;
    # node2 reaches the controller at node1's address.
    local ctld_host nodes_line node_lines
    if ((${#NODES[@]} == 1)); then
        ctld_host=localhost
        nodes_line=localhost
        node_lines="NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN"
    else
        ctld_host="localhost($ADDR1)"
        nodes_line=node1,node2
        node_lines="NodeName=node1 NodeAddr=$ADDR1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
NodeName=node2 NodeAddr=$ADDR2 CPUs=$cpus RealMemory=$mem State=UNKNOWN"
    fi

    tmp=$(mktemp)
    cat >"$tmp" <<EOF
# Generated by scripts/slurm-local.sh (jupyter-jobs) -- ${#NODES[@]}-node test cluster.
# Regenerated on every 'up'; edit the script, not this file.
ClusterName=local
SlurmctldHost=$ctld_host
# Run both daemons as root: no slurm-user ownership to get right.
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none

StateSaveLocation=$STATE_DIR
# %n: the node name, so that the slurmd of each node has its own files.
SlurmdSpoolDir=$SPOOL_BASE-%n
SlurmctldPidFile=$CTLD_PID
SlurmdPidFile=$RUN_DIR/slurmd-%n.pid
SlurmctldLogFile=$CTLD_LOG
SlurmdLogFile=$LOG_DIR/slurmd-%n.log
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
$node_lines
PartitionName=debug Nodes=$nodes_line Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=$nodes_line Default=NO MaxTime=00:05:00 State=UP
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

start_slurmd() {   # start_slurmd <index in NODES>
    local i=$1 node=${NODES[$1]}
    if slurmd_pid "$node" >/dev/null; then
        log "slurmd of $node already running"
        return 0
    fi
    log "starting slurmd of $node"
    STARTED_AT[i]=$(date +%s)
    # -N: the node name from slurm.conf, independent of the machine's hostname.
    if [[ $node == node2 ]]; then
        # node2's own network and hostname.  Not `ip netns exec`: it remounts /sys,
        # and slurmd then fails ("No filesystem mounted on /sys/fs/cgroup").
        as_root nsenter --net="/run/netns/$NETNS" unshare --uts \
            sh -c 'hostname "$1" && exec slurmd -N "$1"' sh "$node" \
            || { show_logs; die "slurmd of $node failed to start"; }
    else
        as_root slurmd -N "$node" || { show_logs; die "slurmd of $node failed to start"; }
    fi
}

# Seconds since the epoch at which the node's current slurmd registered
# (0 if unknown).
slurmd_registered_at() {   # slurmd_registered_at <node>
    local t
    t=$(scontrol show node "$1" -o 2>/dev/null |
        sed -n 's/.*SlurmdStartTime=\([0-9T:-]*\).*/\1/p')
    [[ -n $t ]] && date -d "$t" +%s 2>/dev/null || echo 0
}

# ---------------------------------------------------------------- node2's "host"

netns_ok() { as_root ip -n "$NETNS" link show lo >/dev/null 2>&1; }

# The namespace and the veth pair, with their addresses; prints "changed" when
# anything had to be made (a slurmd of node2 in an old namespace is then stale).
net_up() {
    local changed=""
    if ! netns_ok; then
        as_root ip netns delete "$NETNS" 2>/dev/null || true   # a stale name, if any
        log "creating network namespace $NETNS"
        as_root ip netns add "$NETNS"
        changed=1
    fi
    if ! ip link show "$VETH_HOST" >/dev/null 2>&1; then
        as_root ip -n "$NETNS" link delete "$VETH_NODE" 2>/dev/null || true
        log "creating veth pair $VETH_HOST ($ADDR1) <-> $NETNS:$VETH_NODE ($ADDR2)"
        as_root ip link add "$VETH_HOST" type veth peer name "$VETH_NODE" netns "$NETNS"
        changed=1
    fi
    # (Captured, not piped into grep -q: with pipefail, an early grep exit fails the pipe.)
    local addrs
    addrs=$(ip -o addr show dev "$VETH_HOST")
    [[ $addrs == *" $ADDR1/$PREFIX "* ]] || as_root ip addr add "$ADDR1/$PREFIX" dev "$VETH_HOST"
    addrs=$(as_root ip -n "$NETNS" -o addr show dev "$VETH_NODE")
    [[ $addrs == *" $ADDR2/$PREFIX "* ]] ||
        as_root ip -n "$NETNS" addr add "$ADDR2/$PREFIX" dev "$VETH_NODE"
    as_root ip link set "$VETH_HOST" up
    as_root ip -n "$NETNS" link set "$VETH_NODE" up
    as_root ip -n "$NETNS" link set lo up   # kernels on node2 talk to their runner over lo
    [[ -n $changed ]] && echo changed
    return 0
}

net_down() {
    if ip link show "$VETH_HOST" >/dev/null 2>&1; then
        log "removing veth pair $VETH_HOST"
        as_root ip link delete "$VETH_HOST"
    fi
    if [[ -e /run/netns/$NETNS ]]; then
        log "removing network namespace $NETNS"
        as_root ip netns delete "$NETNS"
    fi
}

stop_all_slurmd() {
    local node
    for node in "${ALL_NODE_NAMES[@]}"; do stop_slurmd "$node"; done
}

# Node names of the cluster as configured now: 2 nodes if slurm.conf has node2.
configured_size() {
    if grep -q '^NodeName=node2 ' "$CONF" 2>/dev/null; then echo 2; else echo 1; fi
}

# Is the node up (status 0)?  Nudges a drained or down node back.
node_up() {   # node_up <index in NODES>
    local node=${NODES[$1]} started=${STARTED_AT[$1]:-0}
    # A restarted slurmctld reports the node "idle" from its saved state
    # before slurmd has registered: when we just started slurmd, wait
    # until the controller has heard from that slurmd.
    if ((started > 0)) && (($(slurmd_registered_at "$node") < started - 1)); then
        STATE="$node: not registered yet"
        return 1
    fi
    # %t: compact state; "idle", "mix", "alloc", "comp" mean the node is
    # up.  A trailing "*" means slurmd is not responding (keep waiting);
    # other suffix flags ("-" planned, "~" powered off...) do not matter.
    local state
    state=$(sinfo -h -n "$node" -o %t 2>/dev/null | head -n1 || true)
    STATE="$node: ${state:-no answer}"
    [[ $state == *\* ]] && return 1
    case ${state%%[^a-z]*} in
        idle|mix|alloc|comp) return 0 ;;
        drain|drng|down)
            # ReturnToService=2 normally clears DOWN by itself; a drain
            # left over from an earlier config does not.
            as_root scontrol update NodeName="$node" State=RESUME 2>/dev/null || true ;;
    esac
    return 1
}

wait_idle() {
    local deadline=$((SECONDS + TIMEOUT)) i pending
    STATE=""
    while ((SECONDS < deadline)); do
        pending=0
        for i in "${!NODES[@]}"; do
            node_up "$i" || { pending=1; break; }
        done
        if ((pending == 0)); then
            log "nodes up: $(sinfo -h -N -o '%N %t' | sort -u | tr '\n' ' ')"
            return 0
        fi
        sleep 0.2
    done
    log "nodes did not become idle within ${TIMEOUT}s (last state: '${STATE}')"
    sinfo -N -l >&2 2>&1 || true
    show_logs
    die "slurm did not come up"
}

cmd_up() {
    local t0=$SECONDS changed size=${1:-} net_changed="" i
    [[ -n $size ]] || size=$(configured_size)
    case $size in
        1) NODES=(localhost) ;;
        2) NODES=(node1 node2) ;;
        *) die "--nodes must be 1 or 2, not '$size'" ;;
    esac
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

    if [[ -n $changed ]]; then
        # Node definitions are only read at daemon start in 22.05.  Running
        # jobs survive the restart (state is saved, slurmstepd outlives
        # slurmd) unless the node's CPU layout changed or the cluster was
        # resized: then Slurm requeues or loses them.
        log "slurm.conf changed: restarting slurm daemons"
        stop_all_slurmd
        stop_daemon slurmctld "$CTLD_PID"
    fi
    if ((${#NODES[@]} > 1)); then
        net_changed=$(net_up)
        # A slurmd of node2 left in a namespace that is gone is unreachable.
        [[ -n $net_changed ]] && stop_slurmd node2
    else
        stop_slurmd node2
        net_down
    fi
    start_slurmctld
    for i in "${!NODES[@]}"; do start_slurmd "$i"; done
    wait_idle
    log "up in $((SECONDS - t0))s; partitions: $(sinfo -h -o %P | sort -u | tr '\n' ' ')"
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
    stop_all_slurmd
    stop_daemon slurmctld "$CTLD_PID"
    stop_daemon munged "$MUNGE_PID"
    net_down
}

cmd_status() {
    local name pidfile pid node
    for name in munged slurmctld; do
        case $name in
            munged) pidfile=$MUNGE_PID ;;
            slurmctld) pidfile=$CTLD_PID ;;
        esac
        if pid=$(daemon_pid "$name" "$pidfile"); then
            echo "$name: running (pid $pid)"
        else
            echo "$name: stopped"
        fi
    done
    if (($(configured_size) > 1)); then NODES=(node1 node2); fi
    for node in "${NODES[@]}"; do
        if pid=$(slurmd_pid "$node"); then
            echo "slurmd of $node: running (pid $pid)"
        else
            echo "slurmd of $node: stopped"
        fi
    done
    if (($(configured_size) > 1)); then
        if netns_ok; then
            echo "network namespace $NETNS: $ADDR1 <-> $ADDR2"
        else
            echo "network namespace $NETNS: missing"
        fi
    fi
    if daemon_pid slurmctld "$CTLD_PID" >/dev/null; then
        echo
        sinfo || true
        echo
        squeue -t all -o '%.8i %.9P %.20j %.8u %.12T %.10M %.6D %R' || true
    fi
}

usage() { echo "usage: $0 up [--nodes 1|2] | down | status" >&2; exit 2; }

case ${1:-} in
    up)
        shift
        size=""
        while (($#)); do
            case $1 in
                --nodes) (($# >= 2)) || usage; size=$2; shift 2 ;;
                --nodes=*) size=${1#--nodes=}; shift ;;
                *) usage ;;
            esac
        done
        cmd_up "$size" ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) usage ;;
esac
