#!/usr/bin/env python3
"""Developer aid: boot the ISO under QEMU TCG and run commands in dom0 over ttyS1.

  python3 tests/integration/dev_shell.py build/paravent.iso 'cmd1' 'cmd2' ...
Prints each command's exit status and output; the serial logs stay in build/test/dev/."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import Machine  # noqa: E402

iso = sys.argv[1]
m = Machine("dev", "build/test", iso=iso).start()
try:
    m.console.wait(r"ready", 300)
    for cmd in sys.argv[2:]:
        rc, out = m.sh(cmd, timeout=int(os.environ.get("DEV_TIMEOUT", "600")))
        print("$ %s\n%s\n[exit %d]" % (cmd, out, rc), flush=True)
finally:
    m.stop()
