"""A pre-imported process that forks a fresh IPython kernel for every notebook (Linux).

Run as ``python -m vpanalysis.zygote --socket PATH`` by :mod:`vpanalysis.kernels`, with
the environment a report kernel gets (single-threaded BLAS, the inline matplotlib
backend). It imports the heavy modules once (the kernel machinery, the scientific stack
and the library below the orchestration layer), then waits on a Unix socket. Each
connection asks for one kernel: the zygote forks, and the child becomes an ordinary
``ipykernel`` with the request's argument list, environment and working directory, so
papermill and nbclient talk to it as to any kernel. A kernel is used once.

Fork safety (DESIGN §6): the zygote checks before every fork that it has exactly one
thread (``/proc/self/task``) and no ZeroMQ context; it never imports the inline backend
(the child must, to register its ``flush_figures`` hook); the child reseeds numpy's global
random generator (Python's ``random`` reseeds itself after a fork), resets the signal
handlers, takes a session of its own and dies with the zygote (``PR_SET_PDEATHSIG``).
The zygote registers no exit handlers: those of the imported modules are the ones a
fresh kernel would have, and run when a kernel exits.

Protocol, one ``SOCK_SEQPACKET`` connection per kernel: the client sends one JSON message
``{"argv": [...], "env": {...}, "cwd": "..."}`` with up to two file descriptors for the
kernel's stdout and stderr; the zygote answers ``{"pid": N}`` (or ``{"error": "..."}``),
later ``{"exit": code}`` when the kernel has exited, and closes the connection. When the
client closes its end first (its worker died or gave up), the zygote kills the kernel's
process group. The zygote exits, killing its kernels, when its standard input closes.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import json
import os
import pkgutil
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import traceback
import warnings

import vpanalysis

#: Modules imported once in the zygote, in two groups: those a kernel imports as it starts,
#: and those the notebooks import. The inline backend is deliberately absent.
KERNEL_PRELOAD = (
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",  # debugpy: 0.7 s, imported by every kernel as it starts
    "IPython.core.completerlib",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.extensions.storemagic",
    "IPython.utils.wildcard",
    "tornado.platform.asyncio",
    "sqlite3",
    "pdb",
    "psutil",
    "faulthandler",
    "jupyter_client.session",
    "zmq",
    "tornado.ioloop",
)
NOTEBOOK_PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow",
    "pyarrow.parquet",
    "scipy.stats",
    "scipy.optimize",
    "statsmodels.api",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "geopandas",
    "shapely",
    "pyproj",
    "pandera.pandas",
    "PIL.Image",
    "yaml",
)

#: Library modules never imported into a kernel by the zygote: the orchestration layer.
NOT_PRELOADED = ("vpanalysis.runner", "vpanalysis.batch", "vpanalysis.pdf", "vpanalysis.cli")
NOT_PRELOADED_PACKAGES = ("vpanalysis.fetch", "vpanalysis.kernels", "vpanalysis.zygote")

#: Modules whose import in the zygote would break the kernels (see the module docstring).
FORBIDDEN = ("matplotlib_inline.backend_inline",)

_MAX_MESSAGE = 1 << 18
PR_SET_PDEATHSIG = 1


def thread_count() -> int:
    """Threads of this process (Linux: ``/proc/self/task``)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _zmq_context_alive() -> bool:
    zmq = sys.modules.get("zmq")
    return bool(zmq is not None and getattr(zmq.Context, "_instance", None) is not None)


def library_modules() -> list[str]:
    """Every module of the library below the orchestration layer."""
    names = []
    for info in pkgutil.walk_packages(vpanalysis.__path__, "vpanalysis."):
        name = info.name
        if name in NOT_PRELOADED or name.startswith(NOT_PRELOADED_PACKAGES):
            continue
        names.append(name)
    return ["vpanalysis", *sorted(names)]


class ZMQInteractiveShellStandIn:
    """What ``get_ipython()`` returns while the zygote imports: a shell inside a kernel.

    Modules look at it when they are imported (pandas shows 20 columns of a frame in a
    kernel and fits them to the terminal elsewhere); they would look at the real one if
    a kernel imported them. It has no ``events``: a module that wanted to register a hook
    fails to preload and is imported by each kernel instead.
    """

    kernel = None
    config: dict = {"IPKernelApp": {}}


@contextlib.contextmanager
def as_in_a_kernel():
    """While the zygote imports: ``get_ipython()`` and ``__IPYTHON__`` as in a kernel."""
    import builtins

    stand_in = ZMQInteractiveShellStandIn()
    builtins.get_ipython = lambda: stand_in
    builtins.__IPYTHON__ = True
    try:
        yield
    finally:
        del builtins.get_ipython
        del builtins.__IPYTHON__


def preload(names) -> list[str]:
    """Import ``names``; returns the ones that failed (a kernel then imports them itself)."""
    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # the notebook will meet the same error and report it
            failed.append(name)
            traceback.print_exc(file=sys.stderr)
    return failed


#: What the runner's own processes import besides the zygote's modules (for ``--compile``).
RUNNER_IMPORTS = (
    "papermill",
    "nbconvert",
    "nbclient",
    "tqdm",
    "click",
    "openpyxl",
    "matplotlib_inline.backend_inline",
    "matplotlib.backends.backend_agg",
    "vpanalysis.cli",
    "vpanalysis.batch",
    "vpanalysis.runner",
    "vpanalysis.kernels",
)


#: The two halves of ``--compile``, one a process: they share few modules.
COMPILE_GROUPS = ("kernel", "notebook")


def compile_imports(group: str | None = None) -> int:
    """Import what the reports import with bytecode writing on, so that it is written once.

    For installs that leave the bytecode out (uv by default) where the environment forbids
    writing it at run time (``PYTHONDONTWRITEBYTECODE``): every process would compile the
    same modules again. Only what is imported is compiled, a third of the installed files.
    Without ``group`` both halves run at once, one of them in a second process (two cores
    halve the time): ``kernel`` (the kernel machinery, papermill, nbconvert) and
    ``notebook`` (the scientific stack and the library).
    """
    if group is None:
        other = subprocess.Popen(
            [sys.executable, "-X", "frozen_modules=off", "-m", "vpanalysis.zygote"]
            + ["--compile", "--compile-group", "kernel"]
        )
        mine = compile_imports("notebook")
        return 1 if other.wait() or mine else 0
    sys.dont_write_bytecode = False
    # the runner's own imports by what they import: matplotlib and the library, or not
    notebook_side = [m for m in RUNNER_IMPORTS if m.startswith(("vpanalysis", "matplotlib"))]
    kernel_side = [m for m in RUNNER_IMPORTS if m not in notebook_side]
    if group == "kernel":
        with as_in_a_kernel():
            failed = preload(KERNEL_PRELOAD)
        return 1 if failed or preload(kernel_side) else 0
    with as_in_a_kernel():
        failed = preload((*NOTEBOOK_PRELOAD, *library_modules()))
    failed += preload(notebook_side)
    if not failed:  # the HTML export imports its filters and template machinery as it runs
        importlib.import_module("vpanalysis.runner").warm_up()
    return 1 if failed else 0


def _set_death_signal() -> bool:
    """Linux: SIGKILL this process when its parent exits."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) == 0
    except Exception:
        return False


class Zygote:
    """The fork server: one listening socket, one connection per kernel."""

    def __init__(
        self, listener: socket.socket, sys_path: list[str], import_env: dict, import_filters: list
    ) -> None:
        self.listener = listener
        self.sys_path = sys_path
        self.import_env = import_env
        self.import_filters = import_filters
        self.pid = os.getpid()
        self.selector = selectors.DefaultSelector()
        self.kernels: dict[int, socket.socket] = {}  # pid -> its client connection
        self.owner: dict[int, int] = {}  # connection fd -> pid
        self.connections: dict[int, socket.socket] = {}
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)
        self.running = True

    # ------------------------------------------------------------ the loop

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        self.selector.register(self.listener, selectors.EVENT_READ, "accept")
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "parent")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "signal")
        try:
            while self.running:
                for key, _ in self.selector.select(timeout=1.0):
                    what = key.data
                    if what == "accept":
                        self._accept()
                    elif what == "parent":
                        if not os.read(sys.stdin.fileno(), 4096):
                            self.running = False
                    elif what == "signal":
                        with contextlib.suppress(OSError):
                            os.read(self.wake_r, 4096)
                    else:
                        self._readable(key.fileobj)
                self._reap()
        finally:
            for pid in list(self.kernels):
                _kill_group(pid)
            deadline = time.monotonic() + 5
            while self.kernels and time.monotonic() < deadline:
                self._reap()
                time.sleep(0.01)

    def _accept(self) -> None:
        conn, _ = self.listener.accept()
        self.connections[conn.fileno()] = conn
        self.selector.register(conn, selectors.EVENT_READ, "conn")

    def _close(self, conn: socket.socket) -> None:
        fd = conn.fileno()
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(conn)
        self.connections.pop(fd, None)
        self.owner.pop(fd, None)
        conn.close()

    def _readable(self, conn: socket.socket) -> None:
        fd = conn.fileno()
        if fd in self.owner:  # a kernel's client: only its end closing is expected
            try:
                data = conn.recv(_MAX_MESSAGE)
            except OSError:
                data = b""
            if not data:
                pid = self.owner[fd]
                _kill_group(pid)
                self.kernels.pop(pid, None)
                self._close(conn)
            return
        try:
            message, fds, _flags, _addr = socket.recv_fds(conn, _MAX_MESSAGE, 2)
        except OSError:
            self._close(conn)
            return
        if not message:
            for received in fds:
                os.close(received)
            self._close(conn)
            return
        try:
            request = json.loads(message)
            pid = self._fork(request, fds)
        except Exception as exc:
            self._send(conn, {"error": f"{type(exc).__name__}: {exc}"})
            self._close(conn)
            return
        finally:
            for received in fds:
                with contextlib.suppress(OSError):
                    os.close(received)
        self.kernels[pid] = conn
        self.owner[fd] = pid
        self._send(conn, {"pid": pid})

    @staticmethod
    def _send(conn: socket.socket, message: dict) -> None:
        with contextlib.suppress(OSError):
            conn.send(json.dumps(message).encode())

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            code = os.waitstatus_to_exitcode(status)
            conn = self.kernels.pop(pid, None)
            if conn is not None:
                self._send(conn, {"exit": code})
                self._close(conn)

    # ------------------------------------------------------------ a kernel

    def _fork(self, request: dict, fds: list[int]) -> int:
        threads = thread_count()
        if threads != 1:
            raise RuntimeError(f"the zygote has {threads} threads; a fork would not be safe")
        if _zmq_context_alive():
            raise RuntimeError("the zygote holds a ZeroMQ context; a fork would not be safe")
        argv, env, cwd = list(request["argv"]), dict(request["env"]), str(request["cwd"])
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            self._become_kernel(argv, env, cwd, fds)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except BaseException:
            traceback.print_exc()
        finally:
            with contextlib.suppress(BaseException):
                import atexit

                atexit._run_exitfuncs()
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
        return 0  # not reached

    def _become_kernel(self, argv: list[str], env: dict, cwd: str, fds: list[int]) -> None:
        """In the child: drop everything of the zygote, then run ``ipykernel``."""
        os.setsid()
        _set_death_signal()
        if os.getppid() != self.pid:  # the zygote died before the request took effect
            os._exit(1)
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        self.selector.close()
        for conn in self.connections.values():
            conn.close()
        self.listener.close()
        os.close(self.wake_r)
        os.close(self.wake_w)
        devnull = os.open(os.devnull, os.O_RDWR)
        out = fds[0] if fds else devnull
        err = fds[1] if len(fds) > 1 else out
        os.dup2(devnull, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        for fd in {devnull, *fds}:
            if fd > 2:
                os.close(fd)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        os.environ.update(self.import_env)
        sys.path[:] = self.sys_path
        numpy = sys.modules.get("numpy")
        if numpy is not None:
            numpy.random.seed()  # a fresh kernel seeds its global generator from the OS
        from ipykernel import kernelapp

        # Traits whose defaults ipykernel reads from the environment when it is imported:
        # read them again from the kernel's own environment.
        for trait, variable in (
            ("parent_handle", "JPY_PARENT_PID"),
            ("interrupt", "JPY_INTERRUPT_EVENT"),
        ):
            value = int(os.environ.get(variable) or 0)
            kernelapp.IPKernelApp.class_traits()[trait].default_value = value
            kernelapp.IPKernelApp._static_immutable_initial_values[trait] = value
        launcher = os.path.join(os.path.dirname(kernelapp.__file__), "..", "ipykernel_launcher.py")
        sys.argv = [os.path.normpath(launcher), *argv]
        # The warning filters that the notebooks' modules added in the zygote go in front of
        # those that the kernel's start adds, where the notebook's imports would put them.
        imported = [f for f in warnings.filters if f in self.import_filters]
        warnings.filters[:] = [f for f in warnings.filters if f not in self.import_filters]
        app = kernelapp.IPKernelApp.instance()
        _skip_argument_parser(app, argv)
        app.initialize()
        warnings.filters[:0] = imported
        warnings._filters_mutated()
        app.start()


_SETTING = re.compile(r"--([A-Za-z_]\w*)\.([A-Za-z_]\w*)=(.*)", re.S)


def _skip_argument_parser(app, argv: list[str]) -> None:
    """Let ``app.initialize()`` take the usual arguments without parsing the command line.

    The arguments a kernel gets from jupyter_client and nbclient are ``-f CONNECTION_FILE``
    and settings ``--Class.trait=value``. For those, this does what traitlets'
    ``parse_command_line`` ends with (the same configuration, values converted by their
    traits when they are read), without building its parser of every option of every
    configurable class, which costs more than the rest of the kernel's configuration.
    Any other argument: the usual parsing.
    """
    from traitlets.config import Config
    from traitlets.config.loader import DeferredConfigString

    config = Config()
    rest = list(argv)
    while rest:
        if rest[0] in ("-f", "--f") and len(rest) > 1:
            config.IPKernelApp.connection_file = rest[1]
            rest = rest[2:]
            continue
        found = _SETTING.fullmatch(rest[0])
        if not found:
            return  # not one of ours: traitlets parses the command line
        section, name, value = found.groups()
        config[section][name] = DeferredConfigString(value)
        rest = rest[1:]

    def parse_command_line(argv=None) -> None:
        app.argv = list(argv_given)
        app.extra_args = []
        app.cli_config = config
        app.update_config(config)

    argv_given = list(argv)
    app.parse_command_line = parse_command_line


def _kill_group(pid: int) -> None:
    """SIGKILL a kernel and what it started (a kernel leads its own session)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--socket", help="path of the Unix socket to listen on")
    parser.add_argument(
        "--compile",
        action="store_true",
        help="write the bytecode of every module the reports import, then exit",
    )
    parser.add_argument(
        "--compile-group", choices=COMPILE_GROUPS, help="with --compile: only this half"
    )
    parser.add_argument("--no-preload", action="store_true", help="import nothing up front")
    parser.add_argument(
        "--preload", action="append", default=[], help="a further module to import up front"
    )
    args = parser.parse_args(argv)
    if args.compile:
        return compile_imports(args.compile_group)
    if not args.socket:
        parser.error("--socket is required")

    start = time.perf_counter()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle
    _set_death_signal()
    # The path a kernel gets: like `python -m ipykernel_launcher`, without the folder the
    # process was started in (IPython adds '' back).
    if sys.path and (sys.path[0] in ("", os.getcwd())):
        del sys.path[0]
    sys_path = list(sys.path)
    env_before = dict(os.environ)
    failed = []
    gc.disable()  # importing thousands of modules goes faster without collections
    with as_in_a_kernel():
        if not args.no_preload:
            failed = preload(KERNEL_PRELOAD)
        filters_before = list(warnings.filters)
        if not args.no_preload:
            failed += preload(NOTEBOOK_PRELOAD) + preload(library_modules())
        failed += preload(args.preload)
    # What the imports did to the environment (debugpy, pandera set variables): a kernel
    # gets it on top of its own environment, as if it had imported the modules itself;
    # and the warning filters that the notebooks' modules added (see _become_kernel).
    import_env = {k: v for k, v in os.environ.items() if env_before.get(k) != v}
    import_filters = [f for f in warnings.filters if f not in filters_before]
    leaked = [name for name in FORBIDDEN if name in sys.modules]
    for name in leaked:
        del sys.modules[name]
    sys.path[:] = sys_path
    gc.collect()
    gc.freeze()  # keep the imported objects' pages shared, and out of the kernels' collections
    gc.enable()

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(args.socket)
    listener.listen(64)
    ready = {
        "ready": True,
        "pid": os.getpid(),
        "threads": thread_count(),
        "zmq_context": _zmq_context_alive(),
        "seconds": round(time.perf_counter() - start, 3),
        "modules": len(sys.modules),
        "failed": failed,
        "forbidden": leaked,
        "import_env": import_env,
        "import_warning_filters": [repr(f) for f in import_filters],
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    Zygote(listener, sys_path, import_env, import_filters).serve()
    return 0


if __name__ == "__main__":
    sys.exit(main())
