"""The Ray backend: the same job on Ray Data, from a laptop to a cluster.

One row per video (its path on storage every node can read, its hash and output stem); a
callable class under ``map_batches`` runs on a pool of actors, so each actor loads the pose
libraries once and keeps them for every clip it gets. The class never lets an exception out
(Ray Data fails the whole run on one by default): each clip's error comes back as a
``failed`` result. An actor that dies is restarted by Ray Data and its block retried; the
driver drops a result whose content hash it already has, so each clip lands once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from formcheck.batch.jobs import ClipJob, ClipResult, analyze_clip
from formcheck.errors import BatchError

MAX_BLOCKS = 1000  # one block per clip balances best; past this many, blocks hold several


class ClipAnalyzer:
    """A Ray Data callable class: analyses a batch of clip rows, one result row per clip."""

    def __init__(self, options: Any) -> None:
        from formcheck.batch.local import warm_up

        self.options = options
        warm_up()

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        """Return ``{"result": [ClipResult JSON, ...]}`` for the clips of ``batch``."""
        out = []
        for path, sha, name in zip(batch["path"], batch["sha256"], batch["name"], strict=True):
            job = ClipJob(path=str(path), sha256=str(sha), name=str(name))
            out.append(analyze_clip(job, self.options).to_json())
        return {"result": out}


def connect(address: str | None) -> None:
    """Connect to the Ray cluster at ``address`` ("auto": the running one, else a local one).

    A Ray started here listens on 127.0.0.1 only; a cluster for other machines is started
    with ``ray start --head`` (docs/batch.md).

    Nothing happens when Ray is already initialised (a test or a notebook started it).

    Raises
    ------
    BatchError
        When Ray is not installed or ``address`` cannot be reached.
    """
    try:
        import ray
    except ImportError as exc:
        raise BatchError(
            "--ray: expected the ray package (pip install 'formcheck[batch]'), got none"
        ) from exc
    if ray.is_initialized():
        return
    try:
        ray.init(address=address or "auto", include_dashboard=False, log_to_driver=False)
    except ConnectionError as exc:
        if address not in (None, "auto"):
            raise BatchError(f"--ray: expected a Ray cluster at {address!r}, got: {exc}") from exc
        # None running: start one here, reachable from this machine only (loopback).
        ray.init(include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")


def run_ray(
    jobs: Iterable[ClipJob],
    options: Any,
    workers: int | None,
    on_result: Callable[[ClipResult], None],
    address: str | None = None,
) -> None:
    """Analyse ``jobs`` on ``workers`` Ray actors and pass each result to ``on_result``.

    ``workers=None`` takes one actor per CPU of the cluster.
    """
    import ray
    from ray.data import ActorPoolStrategy, DataContext

    connect(address)
    if workers is None:
        workers = max(1, int(ray.cluster_resources().get("CPU", 1)))
    rows = [{"path": j.path, "sha256": j.sha256, "name": j.name} for j in jobs]
    if not rows:
        return
    ctx = DataContext.get_current()
    ctx.enable_progress_bars = False  # the CLI draws one bar for the whole batch
    items = ray.data.from_items(rows, override_num_blocks=min(len(rows), MAX_BLOCKS))
    ds = items.map_batches(
        ClipAnalyzer,
        fn_constructor_kwargs={"options": options},
        batch_size=1,
        compute=ActorPoolStrategy(size=workers),
        num_cpus=1,
    )
    for row in ds.iter_rows():
        on_result(ClipResult.from_json(row["result"]))
