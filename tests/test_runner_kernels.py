"""Kernels from the zygote start fresh, and the runner's reports equal plain papermill's.

* Fresh state: notebook A (tests/fixtures/state_a.ipynb) changes every kind of process
  state it can reach; notebook B (state_b.ipynb), run next on the same zygote, reports
  what it finds. B must see nothing of A, and find what it finds in a kernel started the
  ordinary way.
* Identical output: a real step notebook executed and converted by the runner equals the
  same notebook executed by plain papermill and converted by a plain nbconvert exporter,
  once timings, dates and paths are taken out.
* Portable kernels bind their own ports: the connection file they are given has port 0
  for every channel, and many start at once without a port race.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import shutil

import nbformat
import pytest

from vpanalysis import catalogue, geography, kernels, runner
from vpanalysis.catalogue import BY_ID as STEPS

pytestmark = pytest.mark.slow

fork_only = pytest.mark.skipif(not kernels.fork_supported(), reason="no fork mode here")


@pytest.fixture
def state_root(tmp_path, built_data, fixtures, monkeypatch):
    """A project root whose step 1 notebook is A and whose step 2 notebook is B."""
    root = tmp_path / "root"
    (root / "notebooks").mkdir(parents=True)
    shutil.copy(fixtures / "state_a.ipynb", root / "notebooks" / STEPS[1].notebook_name)
    shutil.copy(fixtures / "state_b.ipynb", root / "notebooks" / STEPS[2].notebook_name)
    monkeypatch.setenv("VPANALYSIS_ROOT", str(root))
    monkeypatch.setenv("VPANALYSIS_DATA", str(built_data))
    return root


def _printed(nb) -> dict:
    """The JSON that the notebook's last cell printed."""
    last = [c for c in nb.cells if c.cell_type == "code"][-1]
    text = "".join(o["text"] for o in last.outputs if o.get("name") == "stdout")
    return json.loads(text)


def _run(step: int, tmp_path) -> dict:
    return _printed(runner.execute(runner.make_job(step, "2161", tmp_path / "out")))


@fork_only
def test_a_kernel_forked_after_a_notebook_that_changed_everything_starts_fresh(
    state_root, tmp_path, monkeypatch
):
    monkeypatch.setenv(kernels.MODE_ENV, kernels.FORK)
    a = _run(1, tmp_path)
    b = _run(2, tmp_path)
    again = _run(2, tmp_path)
    zygote = kernels.zygote(start=False)
    assert zygote is not None
    # the same zygote forked all three, a new kernel each time
    assert a["ppid"] == b["ppid"] == again["ppid"] == zygote.pid
    assert len({a["pid"], b["pid"], again["pid"]}) == 3
    assert a["figures"] == [1]  # A did leave a figure open

    # nothing A did reached B
    assert not b["leaked_global"]
    assert b["linewidth"] == 1.5  # matplotlib's default
    assert b["max_columns"] != 3
    assert b["precision"] == 8
    assert not any("leak from A" in f for f in b["warning_filters"])
    assert "VP_LEAK" not in dict(b["env"])
    assert "/leak-from-A" not in b["sys_path"]
    assert b["cwd"] != "/"
    assert dict(b["axes_style"])["axes.facecolor"] == "white"  # no seaborn theme
    assert b["figures"] == []
    assert b["close_figures"] is True
    assert b["municipalities_cache"] == 0
    assert not b["module_attribute"]
    assert not b["minidom"]
    assert b["backend"] == kernels.INLINE_BACKEND
    assert "flush_figures" in b["post_execute_after_plot"]  # the inline backend's hook
    # numpy's global generator is seeded anew in every kernel
    assert b["random"] != again["random"]

    # and B finds what it finds in a kernel started the ordinary way
    monkeypatch.setenv(kernels.MODE_ENV, kernels.PORTABLE)
    fresh = _run(2, tmp_path)
    assert fresh["ppid"] != zygote.pid
    for state in (b, fresh):
        for key in ("pid", "ppid", "random"):
            state.pop(key)
        state["env"] = [(k, v) for k, v in state["env"] if k != kernels.MODE_ENV]
    # Except what the zygote's own imports did (it reports that): variables set and
    # warning filters added by modules that B did not import itself, as a kernel that had
    # imported them would have them too.
    fresh_env = dict(fresh["env"])
    side_env = {k for k in zygote.info["import_env"] if k not in fresh_env}
    side_filters = set(zygote.info["import_warning_filters"]) - set(fresh["warning_filters"])
    b["env"] = [(k, v) for k, v in b["env"] if k not in side_env]
    b["warning_filters"] = [f for f in b["warning_filters"] if f not in side_filters]
    differ = {key: (b[key], fresh[key]) for key in b if b[key] != fresh.get(key)}
    assert not differ, _diff(
        {k: v[1] for k, v in differ.items()}, {k: v[0] for k, v in differ.items()}
    )


# ---------------------------------------------------------------- identical output

#: Metadata and text that differ between any two runs: timings, dates, paths, the id of
#: the injected cell.
_VOLATILE_CELL = ("execution", "papermill")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")


def _normalised(nb) -> dict:
    nb = copy.deepcopy(nb)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        for key in _VOLATILE_CELL:
            cell.metadata.pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell["id"] = "injected"  # papermill makes a new random id for the cell it injects
    return json.loads(_DATE.sub("<date>", nbformat.writes(nb)))


_INJECTED_ID = re.compile(r'(celltag_injected-parameters" id="cell-id=)[0-9a-f-]+')


def _normalised_html(page: str) -> str:
    return _INJECTED_ID.sub(r"\1injected", _DATE.sub("<date>", page))


def _diff(expected, actual) -> str:
    """The first lines of a unified diff of two JSON-able values, for assertion messages."""
    import difflib

    def lines(value):
        return json.dumps(value, indent=1, ensure_ascii=False, sort_keys=True).splitlines()

    diff = difflib.unified_diff(lines(expected), lines(actual), "plain", "runner", lineterm="")
    return "\n".join(line[:300] for line in list(diff)[:80])


def _plain_html(nb, title: str) -> str:
    """The conversion done the plain way: a new exporter, every validation, no caches."""
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.outputs
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
                and o.get("output_type") != "error"
            ]
    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="vpreport",
        extra_template_basedirs=[str(runner.TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.language_code = "sv"
    body, _ = exporter.from_notebook_node(nb)
    return runner.add_table_of_contents(body)


@fork_only
def test_runner_output_equals_plain_papermill_and_nbconvert(
    built_data, tmp_path, monkeypatch, no_default_data
):
    import papermill as pm

    monkeypatch.setenv(kernels.MODE_ENV, kernels.FORK)
    step = 1
    job = runner.make_job(step, "2161", tmp_path / "out", data_dir=str(built_data))
    # the runner: a forked kernel, the reused exporter (warmed by another report first)
    other = runner.make_job(4, "2161", tmp_path / "out", data_dir=str(built_data))
    assert runner.render(other).status == "ok"
    result = runner.render(job)
    assert result.status == "ok", result.message
    executed = runner.execute(job)
    # plain papermill: jupyter_client's own kernel manager and kernel
    plain = pm.execute_notebook(
        str(job.notebook),
        None,
        parameters=job.parameters(),
        kernel_name="python3",
        progress_bar=False,
    )
    assert "data:image/png" in json.dumps(plain.cells)  # the notebook has figures
    assert _normalised(executed) == _normalised(plain), _diff(
        _normalised(plain), _normalised(executed)
    )

    title = f"{catalogue.get(step).title} – {geography.region_name('2161')}"
    page = job.html_path.read_text(encoding="utf-8")
    expected, actual = _normalised_html(_plain_html(plain, title)), _normalised_html(page)
    assert actual == expected, _diff(expected.splitlines(), actual.splitlines())


# ---------------------------------------------------------------- portable kernels


def test_portable_kernels_bind_their_own_ports():
    base = kernels.manager_class(mode=kernels.PORTABLE)
    handed: list[dict] = []

    class Spy(base):
        def write_connection_file(self, **kwargs):
            first = not self._connection_file_written
            super().write_connection_file(**kwargs)
            if first:
                with open(self.connection_file, encoding="utf-8") as f:
                    handed.append(json.load(f))

    async def start_run_stop(n: int) -> list[tuple[int, ...]]:
        managers = [Spy(kernel_name="python3") for _ in range(n)]
        await asyncio.gather(*(km.start_kernel() for km in managers))
        try:
            ports = []
            for km in managers:
                client = km.client()
                client.start_channels()
                await client.wait_for_ready(timeout=60)
                reply = await client.execute_interactive("x = 6 * 7", timeout=60)
                assert reply["content"]["status"] == "ok"
                client.stop_channels()
                ports.append(tuple(getattr(km, name) for name in kernels._PORT_NAMES))
            return ports
        finally:
            await asyncio.gather(*(km.shutdown_kernel(now=True) for km in managers))
            kernels.cleanup()

    ports = asyncio.run(start_run_stop(4))
    assert len(handed) == 4
    assert all(info[name] == 0 for info in handed for name in kernels._PORT_NAMES)
    assert all(all(p) for p in ports)
    every = [p for group in ports for p in group]
    assert len(set(every)) == len(every)  # no two channels share a port
