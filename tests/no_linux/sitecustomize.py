"""Loaded by every Python process whose PYTHONPATH starts with this folder (issue 11, item 7).

Takes away what Windows and macOS lack, so that a test on Linux shows that a command does
not depend on it: ``os.fork``/``forkpty``/``killpg``/``setsid``, ``prctl`` (through
ctypes) and ZeroMQ's IPC transport (``ipc://`` endpoints). Every process writes one line to
``$VPANALYSIS_NO_LINUX_LOG`` (when set) so the test can check that its children ran here.
"""

import os

for _name in ("fork", "forkpty", "killpg", "setsid"):
    if hasattr(os, _name):
        delattr(os, _name)

import ctypes  # noqa: E402

_getattr = ctypes.CDLL.__getattr__
_getitem = ctypes.CDLL.__getitem__


def _no_prctl_attr(self, name):
    if name == "prctl":
        raise AttributeError("prctl is not available (tests/no_linux)")
    return _getattr(self, name)


def _no_prctl_item(self, name):
    if name == "prctl":
        raise AttributeError("prctl is not available (tests/no_linux)")
    return _getitem(self, name)


ctypes.CDLL.__getattr__ = _no_prctl_attr
ctypes.CDLL.__getitem__ = _no_prctl_item

try:
    import zmq
except ImportError:  # a process without pyzmq has no sockets to restrict
    zmq = None

if zmq is not None:

    def _refuse_ipc(method):
        def guarded(self, address, *args, **kwargs):
            if str(address).startswith("ipc://"):
                raise zmq.ZMQError(
                    msg=f"IPC transport is not available (tests/no_linux): {address}"
                )
            return method(self, address, *args, **kwargs)

        return guarded

    zmq.Socket.bind = _refuse_ipc(zmq.Socket.bind)
    zmq.Socket.connect = _refuse_ipc(zmq.Socket.connect)

_log = os.environ.get("VPANALYSIS_NO_LINUX_LOG")
if _log:
    with open(_log, "a", encoding="utf-8") as _handle:
        _handle.write(f"{os.getpid()}\n")
