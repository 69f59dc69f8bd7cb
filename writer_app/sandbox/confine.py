"""The kernel's layers around the doctest sandbox's child: namespaces, a read-only filesystem
view, Landlock, a seccomp filter, a subreaper. Linux only; standard library only (ctypes).

The child program (`writer_app.sandbox.child`) loads this module by path, as it cannot import
the app, and calls these functions before any candidate code runs. Each raises OSError (with a
short reason) when the kernel refuses; the child records which layers it got and which it did
not, and the parent says so in the result ("verified with reduced isolation").

The layers, in the order the child applies them:

- `enter_namespaces`: new user, mount, network, PID, IPC and UTS namespaces (``unshare``). No
  network but an unconfigured loopback; processes outside are invisible (a fresh ``/proc``).
- `read_only_mounts`: every mount read-only (``mount_setattr``) except a bind mount of the
  child's own folder: no writes, renames, chmod or chown anywhere else, even for root.
- `mount_proc` / `hide_proc`: a ``/proc`` of the new PID namespace (or an empty one).
- `landlock`: an allow-list of what may be read (Python's own files, system libraries, a few
  files of /etc and /dev) and written (the folder); with newer kernels also no TCP and no
  signals to processes outside. It holds for root too.
- `seccomp`: a BPF filter that refuses exec, new processes (threads are allowed), signals to
  other processes, pidfds, ptrace, mknod, sockets other than a socketpair, mounts, namespaces,
  io_uring, BPF, kernel modules, keyrings and the like.
- `set_subreaper` / `kill_children`: without a PID namespace, orphans come back to the
  child's init process, which kills them.

Nothing here is trusted with the verdict; these only limit what the candidate can do.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import stat
import struct
import sys
from typing import Any

# --- constants (from the kernel's UAPI headers) -------------------------------------------
CLONE_NEWTIME = 0x00000080
CLONE_THREAD = 0x00010000
CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
_NAMESPACE_FLAGS = (
    CLONE_NEWTIME
    | CLONE_NEWNS
    | CLONE_NEWCGROUP
    | CLONE_NEWUTS
    | CLONE_NEWIPC
    | CLONE_NEWUSER
    | CLONE_NEWPID
    | CLONE_NEWNET
)

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
AT_FDCWD = -100
AT_RECURSIVE = 0x8000

PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

AF_UNIX = 1

# Syscalls numbered alike on every architecture (424 and up, and Landlock's).
SYS_MOUNT_SETATTR = 442
SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446

LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
FS_REMOVE_DIR = 1 << 4
FS_REMOVE_FILE = 1 << 5
FS_MAKE_CHAR = 1 << 6
FS_MAKE_DIR = 1 << 7
FS_MAKE_REG = 1 << 8
FS_MAKE_SOCK = 1 << 9
FS_MAKE_FIFO = 1 << 10
FS_MAKE_BLOCK = 1 << 11
FS_MAKE_SYM = 1 << 12
FS_REFER = 1 << 13  # ABI 2
FS_TRUNCATE = 1 << 14  # ABI 3
FS_IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1
_FILE_RIGHTS = FS_EXECUTE | FS_WRITE_FILE | FS_READ_FILE | FS_TRUNCATE | FS_IOCTL_DEV
READ = FS_READ_FILE | FS_READ_DIR | FS_EXECUTE

# seccomp-BPF
_LD_ABS_W = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET = 0x06  # BPF_RET | BPF_K
RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
EPERM = 1
ENOSYS = 38
_NR, _ARCH, _ARG0 = 0, 4, 16  # offsets in struct seccomp_data (low word of args[0])


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _table(text: str) -> dict[str, int]:
    words = text.split()
    return {name: int(number) for name, number in zip(words[::2], words[1::2], strict=True)}


# Per architecture: the audit arch, the first number of a foreign ABI to refuse (x32), and the
# numbers of the syscalls the filter handles (from asm/unistd_64.h and asm-generic/unistd.h).
_ARCHES: dict[str, tuple[int, int | None, dict[str, int]]] = {
    "x86_64": (
        0xC000003E,
        0x40000000,
        _table("""
            fork 57  vfork 58  execve 59  execveat 322  clone 56  kill 62  tkill 200
            tgkill 234  rt_sigqueueinfo 129  rt_tgsigqueueinfo 297  ptrace 101
            process_vm_readv 310  process_vm_writev 311  mknod 133  mknodat 259  socket 41
            socketpair 53  mount 165  umount2 166  pivot_root 155  chroot 161  unshare 272
            setns 308  bpf 321  perf_event_open 298  keyctl 250  add_key 248  request_key 249
            userfaultfd 323  kexec_load 246  kexec_file_load 320  init_module 175
            finit_module 313  delete_module 176  reboot 169  swapon 167  swapoff 168
            syslog 103  acct 163  quotactl 179  kcmp 312  open_by_handle_at 304
            name_to_handle_at 303  iopl 172  ioperm 173  uselib 134  lookup_dcookie 212
            vhangup 153  settimeofday 164  clock_settime 227  clock_adjtime 305  adjtimex 159
            sethostname 170  setdomainname 171  chmod 90  fchmod 91  fchmodat 268  chown 92
            fchown 93  lchown 94  fchownat 260  setxattr 188  lsetxattr 189  fsetxattr 190
            removexattr 197  lremovexattr 198  fremovexattr 199  utime 132  utimes 235
            utimensat 280  futimesat 261  capset 126
        """),
    ),
    "aarch64": (
        0xC00000B7,
        None,
        _table("""
            execve 221  execveat 281  clone 220  kill 129  tkill 130  tgkill 131
            rt_sigqueueinfo 138  rt_tgsigqueueinfo 240  ptrace 117  process_vm_readv 270
            process_vm_writev 271  mknodat 33  socket 198  socketpair 199  mount 40
            umount2 39  pivot_root 41  chroot 51  unshare 97  setns 268  bpf 280
            perf_event_open 241  keyctl 219  add_key 217  request_key 218  userfaultfd 282
            kexec_load 104  kexec_file_load 294  init_module 105  finit_module 273
            delete_module 106  reboot 142  swapon 224  swapoff 225  syslog 116  acct 89
            quotactl 60  kcmp 272  open_by_handle_at 265  name_to_handle_at 264
            lookup_dcookie 18  vhangup 58  settimeofday 170  clock_settime 112
            clock_adjtime 266  adjtimex 171  sethostname 161  setdomainname 162  fchmod 52
            fchmodat 53  fchown 55  fchownat 54  setxattr 5  lsetxattr 6  fsetxattr 7
            removexattr 14  lremovexattr 15  fremovexattr 16  utimensat 88  capset 91
        """),
    ),
}
# Numbered alike everywhere (the unified table from 424 on).
_COMMON = _table("""
    pidfd_send_signal 424  io_uring_setup 425  io_uring_enter 426  io_uring_register 427
    open_tree 428  move_mount 429  fsopen 430  fsconfig 431  fsmount 432  fspick 433
    pidfd_open 434  clone3 435  pidfd_getfd 438  process_madvise 440  mount_setattr 442
    quotactl_fd 443  process_mrelease 448  fchmodat2 452  setxattrat 463  removexattrat 466
    open_tree_attr 467  file_setattr 469
""")

# Refused always (EPERM). clone, clone3, kill, tgkill and socketpair are handled apart.
DENIED = _names(
    """
    fork vfork execve execveat tkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_open
    pidfd_send_signal pidfd_getfd process_mrelease ptrace process_vm_readv process_vm_writev
    process_madvise kcmp mknod mknodat socket mount umount2 pivot_root chroot unshare setns
    mount_setattr open_tree open_tree_attr move_mount fsopen fsconfig fsmount fspick bpf
    perf_event_open keyctl add_key request_key userfaultfd io_uring_setup io_uring_enter
    io_uring_register kexec_load kexec_file_load init_module finit_module delete_module reboot
    swapon swapoff syslog acct quotactl quotactl_fd open_by_handle_at name_to_handle_at iopl
    ioperm uselib lookup_dcookie vhangup settimeofday clock_settime clock_adjtime adjtimex
    sethostname setdomainname
    """
)
# Refused too when the filesystem could not be made read-only: changes to files' metadata,
# which Landlock does not cover.
METADATA = _names(
    """
    chmod fchmod fchmodat fchmodat2 chown fchown lchown fchownat setxattr lsetxattr fsetxattr
    removexattr lremovexattr fremovexattr setxattrat removexattrat file_setattr utime utimes
    utimensat futimesat
    """
)


_LIBC: list[Any] = []


def _libc() -> Any:
    if not _LIBC:
        _LIBC.append(ctypes.CDLL(None, use_errno=True))
    return _LIBC[0]


def _fail(what: str) -> OSError:
    number = ctypes.get_errno()
    return OSError(number, f"{what}: {os.strerror(number)}")


def _syscall(number: int, *args: object) -> int:
    converted = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    result: int = _libc().syscall(ctypes.c_long(number), *converted)
    return result


def machine() -> str:
    """The architecture this Python runs as ("" when unknown or 32-bit)."""
    if sys.maxsize <= 2**32:
        return ""
    name = os.uname().machine
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(name, name)


# --- namespaces and mounts --------------------------------------------------------------------


def enter_namespaces() -> tuple[list[str], dict[str, str]]:
    """Move this (single-threaded) process into new namespaces; a new PID namespace takes
    effect for its next child. Returns the layers entered and, for the others, why not."""
    libc = _libc()
    entered: list[str] = []
    missing: dict[str, str] = {}
    uid, gid = os.geteuid(), os.getegid()
    if libc.unshare(CLONE_NEWUSER) == 0:
        try:
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        except OSError as exc:
            missing["user namespace"] = f"could not map the user ({exc.strerror})"
        else:
            entered.append("user namespace")
    else:
        missing["user namespace"] = os.strerror(ctypes.get_errno())
    for flag, name in (
        (CLONE_NEWNS, "mount namespace"),
        (CLONE_NEWNET, "network namespace"),
        (CLONE_NEWPID, "PID namespace"),
        (CLONE_NEWIPC, "IPC namespace"),
        (CLONE_NEWUTS, "UTS namespace"),
    ):
        if libc.unshare(flag) == 0:
            entered.append(name)
        else:
            missing[name] = os.strerror(ctypes.get_errno())
    return entered, missing


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode("ascii"))
    finally:
        os.close(fd)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str = "") -> None:
    libc = _libc()
    libc.mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    ]
    encode = os.fsencode
    if (
        libc.mount(
            None if source is None else encode(source),
            encode(target),
            None if fstype is None else encode(fstype),
            flags,
            encode(data) if data else None,
        )
        != 0
    ):
        raise _fail(f"mount {target}")


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def _mount_setattr(path: str, flags: int, attr_set: int, attr_clr: int) -> None:
    attr = _MountAttr(attr_set, attr_clr, 0, 0)
    if (
        _syscall(
            SYS_MOUNT_SETATTR,
            AT_FDCWD,
            ctypes.c_char_p(os.fsencode(path)),
            flags,
            ctypes.byref(attr),
            ctypes.sizeof(attr),
        )
        != 0
    ):
        raise _fail(f"mount_setattr {path}")


def read_only_mounts(box: str) -> None:
    """In a new mount namespace: keep mounts from propagating out, make every mount read-only
    and nosuid, except a bind mount of `box` (left writable, and made the working folder)."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount(box, box, None, MS_BIND | MS_REC)
    _mount_setattr("/", AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0)
    _mount_setattr(box, 0, 0, MOUNT_ATTR_RDONLY)
    os.chdir(box)  # the working folder was the one under the bind mount


def mount_proc() -> None:
    """A read-only /proc of this PID namespace (call as its first process)."""
    _mount("proc", "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)


def hide_proc() -> None:
    """Cover /proc with an empty read-only folder (no PID namespace: it would show others)."""
    _mount("tmpfs", "/proc", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k")


# --- process control ---------------------------------------------------------------------------


def _prctl(option: int, arg2: int = 0, arg3: int = 0) -> None:
    libc = _libc()
    libc.prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
    if libc.prctl(option, arg2, arg3, 0, 0) != 0:  # all five: some options want zeros
        raise _fail(f"prctl {option}")


def die_with_parent(signal_number: int) -> None:
    _prctl(PR_SET_PDEATHSIG, signal_number)


def set_subreaper() -> None:
    _prctl(PR_SET_CHILD_SUBREAPER, 1)


def no_new_privileges() -> None:
    _prctl(PR_SET_NO_NEW_PRIVS, 1)


def children() -> list[int]:
    """This process's children (/proc/self/task/*/children)."""
    found: list[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children", encoding="ascii") as file:
                found.extend(int(pid) for pid in file.read().split())
        except (OSError, ValueError):
            continue
    return found


def kill_children(signal_number: int) -> None:
    """Kill and reap this subreaper's children until none are left (orphans keep coming back
    to it). Never signals anything but its own children."""
    for _ in range(1000):
        pids = children()
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, signal_number)
        for pid in pids:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def drop_capabilities() -> None:
    """Empty effective, permitted and inheritable capabilities (those of a user namespace's
    owner, or root's)."""
    numbers = _ARCHES.get(machine())
    if numbers is None:
        raise OSError(0, "unsupported CPU architecture")
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)()
    if _syscall(numbers[2]["capset"], ctypes.byref(header), ctypes.byref(data)) != 0:
        raise _fail("capset")


# --- Landlock ------------------------------------------------------------------------------------


def landlock_abi() -> int:
    """The kernel's Landlock ABI version; 0 when it has none (or it is disabled)."""
    if not sys.platform.startswith("linux"):
        return 0
    version = _syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return max(0, version)


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock(
    read: list[str], write: list[str], devices: list[str], abi: int | None = None
) -> list[str]:
    """Restrict this process (and its future children and threads) to reading `read` (files or
    folders), everything in the folders `write`, and reading and writing the device files
    `devices`. Needs no_new_privileges first. Returns the extras the kernel gave (TCP,
    signal scope). Paths that do not exist (or cannot be allowed) are left out."""
    abi = landlock_abi() if abi is None else abi
    if abi < 1:
        raise OSError(0, "the kernel has no Landlock")
    handled = (1 << 13) - 1  # ABI 1: EXECUTE … MAKE_SYM
    if abi >= 2:
        handled |= FS_REFER
    if abi >= 3:
        handled |= FS_TRUNCATE
    if abi >= 5:
        handled |= FS_IOCTL_DEV
    extras = []
    attr = _RulesetAttr(handled, 0, 0)
    if abi >= 4:
        attr.handled_access_net = NET_BIND_TCP | NET_CONNECT_TCP  # no rule: no TCP at all
        extras.append("Landlock TCP")
    if abi >= 6:
        attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL
        extras.append("Landlock signal scope")
    size = ctypes.sizeof(attr) if abi >= 6 else (16 if abi >= 4 else 8)
    ruleset = _syscall(SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), size, 0)
    if ruleset < 0:
        raise _fail("landlock_create_ruleset")
    try:
        box_rights = handled & ~(FS_MAKE_CHAR | FS_MAKE_BLOCK | FS_IOCTL_DEV)
        for path in write:
            _add_rule(ruleset, path, box_rights)
        for paths, rights in ((read, READ), (devices, FS_READ_FILE | FS_WRITE_FILE | FS_TRUNCATE)):
            for path in paths:  # a path that fails is one fewer to read: still restricted
                with contextlib.suppress(OSError):
                    _add_rule(ruleset, path, rights & handled)
        if _syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise _fail("landlock_restrict_self")
    finally:
        os.close(ruleset)
    return extras


def _add_rule(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # not there (or not reachable): nothing to allow
    try:
        if not _is_dir(fd):
            rights &= _FILE_RIGHTS
        rule = _PathBeneath(rights, fd)
        if _syscall(
            SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0
        ):
            raise _fail(f"landlock_add_rule {path}")
    finally:
        os.close(fd)


def _is_dir(fd: int) -> bool:
    try:
        return stat.S_ISDIR(os.fstat(fd).st_mode)
    except OSError:
        return False


# --- seccomp -------------------------------------------------------------------------------------


def seccomp_program(arch: str, own_pid: int, metadata: bool) -> bytes:
    """The BPF program (struct sock_filter[]) for `arch`: refuse (EPERM) everything in DENIED
    (and METADATA when `metadata`); allow clone only for threads, clone3 never (ENOSYS, so the
    C library falls back to clone), kill and tgkill only on `own_pid`, socketpair only for
    AF_UNIX; kill the process for a foreign ABI. Raises KeyError for an unknown arch."""
    audit_arch, foreign, table = _ARCHES[arch]
    numbers = {**table, **_COMMON}
    eperm, allow = _RET_ERRNO | EPERM, RET_ALLOW
    code: list[tuple[int, int, int, int]] = [
        (_LD_ABS_W, 0, 0, _ARCH),
        (_JEQ, 1, 0, audit_arch),
        (_RET, 0, 0, RET_KILL_PROCESS),
        (_LD_ABS_W, 0, 0, _NR),
    ]
    if foreign is not None:
        code += [(_JGE, 0, 1, foreign), (_RET, 0, 0, RET_KILL_PROCESS)]
    denied = [*DENIED, *(METADATA if metadata else ())]
    for number in sorted({numbers[name] for name in denied if name in numbers}):
        code += [(_JEQ, 0, 1, number), (_RET, 0, 0, eperm)]
    code += [
        (_JEQ, 0, 1, numbers["clone3"]),
        (_RET, 0, 0, _RET_ERRNO | ENOSYS),
        # clone: threads only, and no new namespaces
        (_JEQ, 0, 5, numbers["clone"]),
        (_LD_ABS_W, 0, 0, _ARG0),
        (_JSET, 2, 0, _NAMESPACE_FLAGS),
        (_JSET, 0, 1, CLONE_THREAD),
        (_RET, 0, 0, allow),
        (_RET, 0, 0, eperm),
    ]
    for name, value in (("kill", own_pid), ("tgkill", own_pid), ("socketpair", AF_UNIX)):
        code += [
            (_JEQ, 0, 4, numbers[name]),
            (_LD_ABS_W, 0, 0, _ARG0),
            (_JEQ, 0, 1, value),
            (_RET, 0, 0, allow),
            (_RET, 0, 0, eperm),
        ]
    code.append((_RET, 0, 0, allow))
    return b"".join(struct.pack("=HBBI", *instruction) for instruction in code)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp(own_pid: int, metadata: bool) -> None:
    """Install `seccomp_program` on this thread (call before any thread starts; needs
    no_new_privileges first). Raises OSError when the kernel or the architecture cannot."""
    arch = machine()
    if arch not in _ARCHES:
        raise OSError(0, f"unsupported CPU architecture {os.uname().machine}")
    program = seccomp_program(arch, own_pid, metadata)
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))
    _prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog))
