"""Prometheus metrics, all named here, on a registry owned by each app (no global state)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

QueueDepthFn = Callable[[], tuple[int, int]]
StatusCountsFn = Callable[[], dict[int, int]]
ModelLoadsFn = Callable[[], dict[str, int]]
DeliveryCountsFn = Callable[[], dict[str, int]]
RouteDepthFn = Callable[[], dict[str, tuple[int, int]]]


class _DatabaseCollector(Collector):
    """Reads queue depth and generations by status from the database at scrape time."""

    def __init__(
        self,
        queue_depth: QueueDepthFn,
        status_counts: StatusCountsFn,
        model_loads: ModelLoadsFn,
        delivery_counts: DeliveryCountsFn,
        route_depth: RouteDepthFn | None = None,
    ) -> None:
        self.route_depth = route_depth
        self.queue_depth = queue_depth
        self.status_counts = status_counts
        self.model_loads = model_loads
        self.delivery_counts = delivery_counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        queued, running = self.queue_depth()
        depth = GaugeMetricFamily(
            "pixforge_queue_depth", "Generations in status 5 by phase", labels=["phase"]
        )
        depth.add_metric(["queued"], queued)
        depth.add_metric(["running"], running)
        yield depth
        if self.route_depth is not None:
            routes = GaugeMetricFamily(
                "pixforge_route_queue_depth",
                "Generations in status 5 per dispatch route (Celery queue) and phase",
                labels=["route", "phase"],
            )
            by_route = {"preview": (0, 0)} | self.route_depth()
            for route, (waiting, busy) in sorted(by_route.items()):
                routes.add_metric([route, "queued"], waiting)
                routes.add_metric([route, "running"], busy)
            yield routes
        by_status = GaugeMetricFamily(
            "pixforge_generations", "Generations stored, by status code", labels=["status"]
        )
        for status, count in sorted(self.status_counts().items()):
            by_status.add_metric([str(status)], count)
        yield by_status
        loads = GaugeMetricFamily(
            "pixforge_model_loads", "Times each model was loaded by the workers", labels=["model"]
        )
        for model, count in sorted(self.model_loads().items()):
            loads.add_metric([model], count)
        yield loads
        deliveries = GaugeMetricFamily(
            "pixforge_webhook_deliveries", "Webhook deliveries stored, by state", labels=["state"]
        )
        counts = self.delivery_counts()
        for state in ("pending", "delivered", "failed"):
            deliveries.add_metric([state], counts.get(state, 0))
        yield deliveries


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "pixforge_http_requests",
            "HTTP requests answered, by route, method and error code",
            ["route", "method", "err_code"],
            registry=self.registry,
        )
        self.request_duration_s = Histogram(
            "pixforge_http_request_duration_seconds",
            "HTTP request latency",
            ["route", "method"],
            registry=self.registry,
        )
        self.generations_finished = Counter(
            "pixforge_generations_finished",
            "Generations that reached a terminal status",
            ["status", "engine"],
            registry=self.registry,
        )
        self.render_duration_s = Histogram(
            "pixforge_render_duration_seconds",
            "Time from claim to finished video",
            ["engine", "mode"],
            buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
            registry=self.registry,
        )
        self.duplicate_deliveries = Counter(
            "pixforge_duplicate_deliveries",
            "Celery deliveries dropped because the generation was not claimable",
            registry=self.registry,
        )
        self.model_loads_total = Counter(
            "pixforge_worker_model_loads",
            "Models loaded by this worker's engines (a pool child's first load, or a reload)",
            ["model"],
            registry=self.registry,
        )
        self.poll_read_size = Histogram(
            "pixforge_poll_read_polls",
            "Status polls answered by one database read (polls that arrive together share one)",
            buckets=(1, 2, 4, 8, 16, 32, 64),
            registry=self.registry,
        )
        self.queue_wait_s = Histogram(
            "pixforge_queue_wait_seconds",
            "Time from submission to claim",
            buckets=(0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 600),
            registry=self.registry,
        )

    def watch_database(
        self,
        queue_depth: QueueDepthFn,
        status_counts: StatusCountsFn,
        model_loads: ModelLoadsFn,
        delivery_counts: DeliveryCountsFn,
        route_depth: RouteDepthFn | None = None,
    ) -> None:
        self.registry.register(
            _DatabaseCollector(
                queue_depth, status_counts, model_loads, delivery_counts, route_depth
            )
        )
