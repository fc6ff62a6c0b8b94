"""Starts a command and sends it a signal mid-write, for interrupt_test.sh.

    interrupter.py SIGNAL DIR MIN_BYTES COMMAND...

Polls the command's open descriptors every millisecond until one is a temporary being
written under DIR (an unnamed O_TMPFILE file, shown as `DIR/.../#INODE (deleted)`, or a name
holding `.tmp-`) with at least MIN_BYTES in it, sends SIGNAL (INT, TERM, KILL), waits, and
prints the exit status as a shell reports it (128+N for death by signal N). Exits 1 when the
command ends before that moment comes (it did not run long enough to be interrupted) or
after 30 s.
"""
import os
import signal
import subprocess
import sys
import time


def writing_temporary(pid, directory, min_bytes):
    fd_dir = f"/proc/{pid}/fd"
    try:
        fds = os.listdir(fd_dir)
    except FileNotFoundError:
        return None
    for fd in fds:
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
            if not target.startswith(directory + "/"):
                continue
            if "/#" not in target and ".tmp-" not in target:
                continue
            if os.stat(os.path.join(fd_dir, fd)).st_size >= min_bytes:
                return target
        except OSError:
            continue  # closed meanwhile
    return None


def main():
    name, directory, min_bytes, command = sys.argv[1], os.path.realpath(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    signal_number = getattr(signal, "SIG" + name)
    # A shell's background job may start with INT ignored: the command gets the default.
    child = subprocess.Popen(command, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 30
    while child.poll() is None and time.monotonic() < deadline:
        target = writing_temporary(child.pid, directory, min_bytes)
        if target is not None:
            print(f"interrupter: SIG{name} while writing {target}", file=sys.stderr)
            child.send_signal(signal_number)
            code = child.wait()
            print(128 - code if code < 0 else code)
            return 0
        time.sleep(0.001)
    if child.poll() is None:
        child.kill()
        child.wait()
        print("interrupter: no temporary under the directory within 30 s", file=sys.stderr)
    else:
        print(f"interrupter: the command ended (status {child.returncode}) before it could be interrupted",
              file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
