"""Kernels for the report runner: forked from a pre-imported zygote, or portable.

Two modes, chosen by :func:`kernel_mode` (``VPANALYSIS_KERNEL_MODE=fork|portable``
overrides the choice):

``fork`` (Linux)
    A long-lived :mod:`vpanalysis.zygote` process has imported the kernel machinery, the
    scientific stack and the library once. :class:`ZygoteProvisioner`, a jupyter_client
    kernel provisioner, asks it to fork a child that becomes an ordinary ``ipykernel`` on
    IPC sockets in a folder of its own: papermill and nbclient run unchanged and every
    kernel is used once. The zygote kills a kernel whose client went away, and dies with
    the process that started it, taking its kernels along.
``portable`` (Windows, macOS, or anywhere fork, Unix sockets or ``prctl`` are missing)
    A kernel is a new process on TCP (:class:`PortableProvisioner`). It binds its own
    ports (the connection file handed to it has port 0 everywhere) and writes them back
    into the connection file, which the client then reads: no port chosen beforehand,
    so no race between parallel kernels for a port.

Both give every kernel the same environment: single-threaded BLAS (reports run in
parallel, and a fork is only safe without BLAS threads) and the inline matplotlib
backend that ipykernel itself selects.

jupyter_client is imported lazily (:func:`manager_class`): importing it costs time that
``vpanalysis --help`` should not pay.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import json
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

MODE_ENV = "VPANALYSIS_KERNEL_MODE"
PRELOAD_ENV = "VPANALYSIS_ZYGOTE_PRELOAD"
FORK = "fork"
PORTABLE = "portable"
MODES = (FORK, PORTABLE)

#: Environment of every report kernel (and of the zygote): single-threaded BLAS, and no
#: background thread in pyarrow's jemalloc (it starts one on import otherwise).
KERNEL_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "JE_ARROW_MALLOC_CONF": "background_thread:false",
}
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"

#: Seconds the zygote may take to import everything before the runner gives up on it.
ZYGOTE_START_TIMEOUT = 180

#: Milliseconds between a client socket's attempts to connect to a kernel that has not bound
#: its sockets yet (ZeroMQ's default is 100): the client connects as soon as the kernel is
#: launched, a forked kernel binds some 0.05-0.2 s later, and the default made every kernel
#: start wait up to 0.1 s more for the next attempt.
RECONNECT_MS = 5


class ZygoteUnavailable(RuntimeError):
    """No zygote can serve this process; kernels start the portable way."""


# ---------------------------------------------------------------- the mode


def fork_supported() -> bool:
    """Whether this platform has what the fork mode needs (Linux: fork, Unix sockets, prctl)."""
    if not sys.platform.startswith("linux"):
        return False  # macOS: forking after the imports is unsafe; Windows: no fork
    needed = (
        hasattr(os, "fork")
        and hasattr(os, "setsid")
        and hasattr(os, "killpg")
        and hasattr(socket, "AF_UNIX")
        and hasattr(socket, "SOCK_SEQPACKET")
        and hasattr(socket, "send_fds")
    )
    if not needed:
        return False
    try:
        import ctypes

        return hasattr(ctypes.CDLL(None), "prctl")
    except (OSError, ImportError):
        return False


def kernel_mode() -> str:
    """``fork`` where supported, else ``portable``; ``VPANALYSIS_KERNEL_MODE`` overrides."""
    wanted = os.environ.get(MODE_ENV, "").strip().lower()
    if wanted and wanted not in MODES:
        raise ValueError(f"{MODE_ENV} must be one of {', '.join(MODES)}, got {wanted!r}")
    if wanted == PORTABLE:
        return PORTABLE
    return FORK if fork_supported() else PORTABLE


def kernel_env(base: dict | None = None) -> dict[str, str]:
    """The environment of a report kernel: ``base`` (this process's) with single-threaded BLAS."""
    env = dict(os.environ if base is None else base)
    env.update(KERNEL_ENV)
    return env


# ---------------------------------------------------------------- the zygote


#: Variables that no module reads while it is imported (only when called): a kernel whose
#: environment differs from its zygote's only in these may still be forked from it.
READ_WHEN_USED = ("VPANALYSIS_", "JPY_", "PYTEST_CURRENT_TEST", "COLUMNS", "LINES")


def zygote_key(env: dict | None = None) -> tuple:
    """What a zygote's imports may have depended on: interpreter, folder and environment."""
    env = kernel_env(env)
    kept = sorted((k, v) for k, v in env.items() if not k.startswith(READ_WHEN_USED))
    return (sys.executable, os.getcwd(), tuple(kept))


class Zygote:
    """A running :mod:`vpanalysis.zygote` process and the socket it listens on."""

    def __init__(self, process: subprocess.Popen, folder: str, info: dict, key: tuple) -> None:
        self.process = process
        self.folder = folder
        self.socket_path = os.path.join(folder, "zygote.sock")
        self.info = info
        self.pid = int(info["pid"])
        self.owner = os.getpid()
        self.key = key

    @classmethod
    def start(cls, timeout: float = ZYGOTE_START_TIMEOUT) -> Zygote:
        """Start a zygote and wait until it has imported everything (raises ZygoteUnavailable)."""
        return cls.launch().ready(timeout)

    @staticmethod
    def launch(arguments: tuple[str, ...] = ()) -> PendingZygote:
        """Start a zygote process without waiting for it (raises ZygoteUnavailable).

        ``VPANALYSIS_ZYGOTE_PRELOAD`` (comma-separated module names) adds modules for it to
        import; ``arguments`` go to :mod:`vpanalysis.zygote`.
        """
        folder = tempfile.mkdtemp(prefix="vpz-")
        key = zygote_key()
        env = kernel_env()
        env["MPLBACKEND"] = INLINE_BACKEND  # what ipykernel sets before any user import
        extra = [m.strip() for m in os.environ.get(PRELOAD_ENV, "").split(",") if m.strip()]
        command = [sys.executable, "-m", "vpanalysis.zygote", "--socket", f"{folder}/zygote.sock"]
        command += [f"--preload={m}" for m in extra] + list(arguments)
        log = open(os.path.join(folder, "zygote.log"), "wb")  # noqa: SIM115
        try:
            process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                close_fds=True,
            )
        except OSError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise ZygoteUnavailable(f"the zygote did not start: {exc}") from exc
        finally:
            log.close()
        return PendingZygote(process, folder, key)

    def alive(self) -> bool:
        if self.owner == os.getpid():
            return self.process.poll() is None
        try:  # a forked worker: the zygote is its parent's child, not its own
            os.kill(self.pid, 0)
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """Stop the zygote and its kernels (only in the process that started it)."""
        if self.owner != os.getpid():
            return
        _stop_process(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)

    def fork_kernel(self, argv: list[str], env: dict, cwd: str, fds: list[int]) -> ForkedKernel:
        """Ask for a kernel; returns a :class:`ForkedKernel` (raises ZygoteUnavailable)."""
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            conn.settimeout(30)
            conn.connect(self.socket_path)
            request = json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode()
            socket.send_fds(conn, [request], fds)
            reply = json.loads(conn.recv(1 << 16) or b"{}")
        except (OSError, ValueError) as exc:
            conn.close()
            raise ZygoteUnavailable(f"the zygote did not answer: {exc}") from exc
        if "pid" not in reply:
            conn.close()
            raise ZygoteUnavailable(f"the zygote refused: {reply.get('error', reply)}")
        return ForkedKernel(int(reply["pid"]), conn)


class PendingZygote:
    """A zygote process still importing; :meth:`ready` waits for it."""

    def __init__(self, process: subprocess.Popen, folder: str, key: tuple) -> None:
        self.process, self.folder, self.key = process, folder, key
        self.launched = time.monotonic()

    def ready(self, timeout: float = ZYGOTE_START_TIMEOUT) -> Zygote:
        """The zygote once it has imported everything (raises ZygoteUnavailable)."""
        line = _read_line(self.process, timeout)
        try:
            info = json.loads(line)
        except ValueError:
            info = {}
        problem = ""
        if not info.get("ready"):
            problem = "it did not become ready: " + _tail(os.path.join(self.folder, "zygote.log"))
        elif info.get("threads") != 1:
            problem = f"it has {info.get('threads')} threads after its imports"
        elif info.get("zmq_context") or info.get("forbidden"):
            problem = f"its imports are not fork-safe ({info})"
        if problem:
            self.cancel()
            raise ZygoteUnavailable("zygote unusable: " + problem)
        info["startup_seconds"] = round(time.monotonic() - self.launched, 3)
        return Zygote(self.process, self.folder, info, self.key)

    def cancel(self) -> None:
        _stop_process(self.process)
        shutil.rmtree(self.folder, ignore_errors=True)


def _read_line(process: subprocess.Popen, timeout: float) -> bytes:
    """The first line of the zygote's stdout, or b"" after ``timeout`` or its death."""
    deadline = time.monotonic() + timeout
    fd = process.stdout.fileno()
    data = b""
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while b"\n" not in data:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(timeout=left):
                return b""
            chunk = os.read(fd, 65536)
            if not chunk:
                return b""
            data += chunk
    return data.split(b"\n", 1)[0]


def _tail(path: str, size: int = 2000) -> str:
    try:
        with open(path, "rb") as f:
            return f.read()[-size:].decode("utf-8", "replace")
    except OSError:
        return ""


def _stop_process(process: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        process.stdin.close()  # the zygote exits (killing its kernels) when stdin closes
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
    with contextlib.suppress(OSError):
        process.stdout.close()


class ForkedKernel:
    """A kernel forked by the zygote, with the part of :class:`subprocess.Popen` that
    jupyter_client's provisioners use. Its exit status arrives on the connection."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, conn: socket.socket) -> None:
        self.pid = pid
        self.conn = conn
        self.returncode: int | None = None

    def _receive(self, timeout: float | None) -> None:
        if self.returncode is not None or self.conn is None:
            return
        try:
            self.conn.settimeout(timeout)
            data = self.conn.recv(1 << 16)
        except (BlockingIOError, TimeoutError):
            return
        except OSError:
            data = b""
        try:
            self.returncode = int(json.loads(data)["exit"]) if data else -signal.SIGKILL
        except (ValueError, KeyError, TypeError):
            self.returncode = -signal.SIGKILL
        self.close()

    def poll(self) -> int | None:
        self._receive(0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._receive(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def killed(self) -> None:
        """Record a SIGKILL sent to the kernel's group; the zygote reaps it."""
        self.poll()
        if self.returncode is None:
            self.returncode = -signal.SIGKILL
            self.close()

    def close(self) -> None:
        """Close the connection: the zygote then kills the kernel if it still runs."""
        if self.conn is not None:
            self.conn.close()
            self.conn = None


_ZYGOTE: Zygote | None = None
_PENDING: PendingZygote | None = None
_ZYGOTE_FAILED = ""
_LOCK = threading.RLock()


def prepare() -> None:
    """Start this process's zygote in the background (fork mode); :func:`zygote` waits.

    Lets the zygote import while this process does other work (the local executor warms
    papermill and nbconvert meanwhile).
    """
    global _PENDING
    if kernel_mode() != FORK:
        return
    with _LOCK:
        current = _ZYGOTE
        if current is not None and current.key == zygote_key() and current.alive():
            return
        if _PENDING is not None or _ZYGOTE_FAILED or (current and current.owner != os.getpid()):
            return
        try:
            _PENDING = Zygote.launch()
        except ZygoteUnavailable:
            _PENDING = None


def zygote(start: bool = True) -> Zygote | None:
    """This process's zygote (started on first use when ``start``), or None.

    A worker forked from the process that started the zygote uses that one. A zygote whose
    imports ran in another folder or environment (:func:`zygote_key`) is replaced. A zygote
    that could not be made is not tried again in the same process (:func:`zygote_problem`).
    """
    global _ZYGOTE, _ZYGOTE_FAILED, _PENDING
    with _LOCK:
        current = _ZYGOTE
        fits = current is not None and current.key == zygote_key()
        if fits and current.alive():
            return current
        if current is not None and current.owner != os.getpid():
            return None  # the parent's zygote is gone or does not fit: not ours to replace
        if not start or _ZYGOTE_FAILED:
            return None
        if current is not None:
            current.stop()
            _ZYGOTE = None
        pending, _PENDING = _PENDING, None
        if pending is not None and pending.key != zygote_key():
            pending.cancel()
            pending = None
        try:
            _ZYGOTE = (pending or Zygote.launch()).ready()
        except ZygoteUnavailable as exc:
            _ZYGOTE, _ZYGOTE_FAILED = None, str(exc)
            return None
        return _ZYGOTE


def zygote_problem() -> str:
    """Why no zygote could be started in this process ('' when none failed)."""
    return _ZYGOTE_FAILED


def stop_zygote() -> None:
    """Stop this process's zygote (and one still starting), if it started one."""
    global _ZYGOTE, _PENDING
    with _LOCK:
        if _ZYGOTE is not None and _ZYGOTE.owner == os.getpid():
            _ZYGOTE.stop()
            _ZYGOTE = None
        if _PENDING is not None:
            _PENDING.cancel()
            _PENDING = None


atexit.register(stop_zygote)


# ---------------------------------------------------------------- jupyter_client classes


class _KernelDirs:
    """Folders made for kernels' sockets and connection files, by the thread that made them.

    A kernel manager removes its own when it cleans up; :func:`cleanup` removes what the
    calling thread's managers left behind (a kernel that never started, say). Threads do
    not remove each other's: a Dask worker runs reports in several.
    """

    made: dict[str, int] = {}
    lock = threading.Lock()

    @classmethod
    def new(cls) -> str:
        path = tempfile.mkdtemp(prefix="vpk-")
        with cls.lock:
            cls.made[path] = threading.get_ident()
        return path

    @classmethod
    def remove(cls, path: str) -> None:
        with cls.lock:
            cls.made.pop(path, None)
        shutil.rmtree(path, ignore_errors=True)

    @classmethod
    def cleanup(cls) -> None:
        me = threading.get_ident()
        with cls.lock:
            mine = [path for path, owner in cls.made.items() if owner == me]
        for path in mine:
            cls.remove(path)


cleanup = _KernelDirs.cleanup


def _fileno(stream) -> int | None:
    if isinstance(stream, int):
        return stream if stream >= 0 else None
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None


@functools.cache
def _classes() -> dict[str, type]:
    """The provisioner and kernel manager classes (jupyter_client imported here)."""
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class ZygoteProvisioner(LocalProvisioner):
        """Launches ``python -m ipykernel_launcher`` by asking the zygote for a fork.

        Any other command, or no zygote, launches the usual way.
        """

        async def launch_kernel(self, cmd, **kwargs):
            serves = (
                len(cmd) >= 3
                and cmd[1:3] == ["-m", "ipykernel_launcher"]
                and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
            )
            forks = zygote() if serves else None
            if forks is None:
                return await super().launch_kernel(cmd, **kwargs)
            env = dict(kwargs.get("env") or os.environ)
            env["JPY_PARENT_PID"] = str(forks.pid)  # the kernel's parent, as for any kernel
            cwd = str(kwargs.get("cwd") or os.getcwd())
            fds = [fd for fd in (_fileno(kwargs.get("stdout")), _fileno(kwargs.get("stderr")))]
            fds = [fd for fd in fds if fd is not None]
            try:
                self.process = forks.fork_kernel(list(cmd[3:]), env, cwd, fds)
            except ZygoteUnavailable:
                return await super().launch_kernel(cmd, **kwargs)
            self.pid = self.pgid = self.process.pid  # a kernel leads its own session
            self.cwd = cwd
            return self.connection_info

        async def send_signal(self, signum: int) -> None:
            if signum == signal.SIGINT and getattr(self.parent, "shutting_down", False):
                return  # jupyter_client interrupts before it kills: skip the interrupt
            await super().send_signal(signum)

        async def kill(self, restart: bool = False) -> None:
            await super().kill(restart)
            if isinstance(self.process, ForkedKernel):
                self.process.killed()  # SIGKILL cannot be ignored: no waiting, no polling

        async def cleanup(self, restart: bool = False) -> None:
            if isinstance(self.process, ForkedKernel):
                self.process.close()
            await super().cleanup(restart)

    class PortableProvisioner(LocalProvisioner):
        """A kernel process on TCP that binds its own ports and writes them back."""

        async def launch_kernel(self, cmd, **kwargs):
            await super().launch_kernel(cmd, **kwargs)
            km = self.parent
            deadline = time.monotonic() + float(getattr(km, "bind_timeout", 60))
            while True:
                ports = _bound_ports(km.connection_file)
                if ports:
                    break
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"Kernel died before binding its ports (exit code {self.process.poll()})"
                    )
                if time.monotonic() > deadline:
                    raise RuntimeError("Kernel did not bind its ports in time")
                await asyncio.sleep(0.01)
            for name, port in ports.items():
                setattr(km, name, port)
            self.connection_info = km.get_connection_info()
            return self.connection_info

    class ReportKernelClient(AsyncKernelClient):
        """Ready as soon as the kernel has answered ``kernel_info`` on shell and on IOPub.

        jupyter_client's own check ends by draining IOPub until nothing came for 0.2 s;
        this one stops draining at the ``idle`` status of its own request, after which
        nothing of the start-up is left on IOPub (messages on one socket keep their order).
        Its sockets retry connecting every :data:`RECONNECT_MS` milliseconds.
        """

        def _create_connected_socket(self, channel, identity=None):
            return _quick_reconnect(super()._create_connected_socket, channel, identity)

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                request = self.kernel_info()
                try:
                    reply = await self.shell_channel.get_msg(timeout=1)
                except Empty:
                    reply = None
                answered = reply is not None and reply["msg_type"] == "kernel_info_reply"
                if answered and await self._iopub_idle(request):
                    self._handle_kernel_info_reply(reply)
                    return
                if not await self.is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

        async def _iopub_idle(self, request: str) -> bool:
            """Drain IOPub up to the idle status of ``request``; False when IOPub is silent."""
            while True:
                try:
                    msg = await self.iopub_channel.get_msg(timeout=0.2)
                except Empty:
                    return False
                if (
                    msg["msg_type"] == "status"
                    and msg["content"].get("execution_state") == "idle"
                    and msg["parent_header"].get("msg_id") == request
                ):
                    return True

    class ReportKernelManager(AsyncKernelManager):
        """A kernel manager for report kernels: single-threaded BLAS, output to ``stream``."""

        provisioner_class: type = LocalProvisioner
        stream = None  # where the kernel process's own stdout and stderr go

        folder = ""  # made for this kernel's sockets or connection file; removed with it

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.client_factory = ReportKernelClient

        def _create_connected_socket(self, channel, identity=None):
            return _quick_reconnect(super()._create_connected_socket, channel, identity)

        async def _async_cleanup_resources(self, restart: bool = False) -> None:
            await super()._async_cleanup_resources(restart)
            if self.folder and not restart:
                _KernelDirs.remove(self.folder)

        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = self.provisioner_class(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                )
            return await super()._async_pre_start_kernel(**kw)

        async def _async_launch_kernel(self, kernel_cmd, **kw):
            target = self.stream if self.stream is not None else subprocess.DEVNULL
            kw.setdefault("stdout", target)
            kw.setdefault("stderr", target)
            kw["env"] = kernel_env(kw.get("env"))
            return await super()._async_launch_kernel(kernel_cmd, **kw)

    class IPCKernelManager(ReportKernelManager):
        """IPC sockets in a folder of their own (default IPC paths collide, DESIGN §6)."""

        provisioner_class = ZygoteProvisioner

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "ipc"
            self.folder = _KernelDirs.new()
            self.ip = os.path.join(self.folder, "kernel")

    class TCPKernelManager(ReportKernelManager):
        """TCP on the loopback; the kernel binds its ports (see :class:`PortableProvisioner`)."""

        provisioner_class = PortableProvisioner
        bind_timeout = 60

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.transport = "tcp"
            self.ip = "127.0.0.1"
            self.cache_ports = False

        def write_connection_file(self, **kwargs):
            ports = [getattr(self, name) for name in _PORT_NAMES]
            written = self._connection_file_written and os.path.exists(self.connection_file)
            if any(ports) or written:
                return super().write_connection_file(**kwargs)
            if not self.connection_file:
                self.folder = _KernelDirs.new()
                self.connection_file = os.path.join(self.folder, "kernel.json")
            info = {name: 0 for name in _PORT_NAMES}
            info.update(
                ip=self.ip,
                key=self.session.key.decode(),
                transport="tcp",
                signature_scheme=self.session.signature_scheme,
                kernel_name=self.kernel_name,
            )
            fd = os.open(self.connection_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(info, f)
            self._connection_file_written = True

    return {
        "ZygoteProvisioner": ZygoteProvisioner,
        "PortableProvisioner": PortableProvisioner,
        "IPCKernelManager": IPCKernelManager,
        "TCPKernelManager": TCPKernelManager,
    }


def _quick_reconnect(create, channel: str, identity):
    """A socket from jupyter_client's ``create``, retrying its connection every few ms.

    ZeroMQ takes the interval from the socket's options when the connection starts, inside
    ``create``: it is put among the context's default options for the duration of the call
    (the managers and clients of this module make their sockets under one lock).
    """
    import zmq

    defaults = create.__self__.context.sockopts
    with _RECONNECT_LOCK:
        before = defaults.get(zmq.RECONNECT_IVL)
        defaults[zmq.RECONNECT_IVL] = RECONNECT_MS
        try:
            return create(channel, identity)
        finally:
            if before is None:
                defaults.pop(zmq.RECONNECT_IVL, None)
            else:
                defaults[zmq.RECONNECT_IVL] = before


_RECONNECT_LOCK = threading.Lock()
_PORT_NAMES = ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port")


def _bound_ports(path: str) -> dict[str, int] | None:
    """The ports a kernel wrote into its connection file, once all are bound."""
    try:
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except (OSError, ValueError):
        return None  # not there yet, or being written
    ports = {name: int(info.get(name) or 0) for name in _PORT_NAMES}
    return ports if all(ports.values()) else None


def manager_class(stream=None, mode: str | None = None) -> type:
    """The kernel manager class for papermill (``kernel_manager_class=``).

    ``stream``: an open file for the kernel process's own stdout and stderr (not the
    cells' output, which travels over the sockets); nowhere when None. In the fork mode
    the zygote is started here on first use.
    """
    mode = mode or kernel_mode()
    classes = _classes()
    base = classes["IPCKernelManager"] if mode == FORK else classes["TCPKernelManager"]
    if mode == FORK:
        zygote()
    return type(base.__name__, (base,), {"stream": stream})
