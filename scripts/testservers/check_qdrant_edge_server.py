#!/usr/bin/env python3
"""Developer check for qdrant_edge_server.py (not part of the Swift suite).

Starts the server on a free port in a temporary directory and drives it with
the real `qdrant_client.QdrantClient` (REST) and with the raw JSON bodies
Quarry's Swift adapter sends, checking results, errors, persistence across a
restart and a SIGKILL, API-key enforcement, and bulk upsert timing.

    ~/.cache/quarry/venv/bin/python scripts/testservers/check_qdrant_edge_server.py [--skip-timing]

Exits non-zero if any check fails.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
import warnings
from typing import Any, Callable

from qdrant_client import QdrantClient
from qdrant_client.common.version_check import is_compatible
from qdrant_client.http import models

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "qdrant_edge_server.py")
DIM = 8  # small vectors for the functional checks; the timing check uses 384

# The exact request shapes Quarry's adapter sends (from the design brief).
ADAPTER_CREATE = {"vectors": {"dense": {"size": DIM, "distance": "Cosine"}}, "sparse_vectors": {"bm25": {"modifier": "idf"}}}
ADAPTER_INDEXES = [
    {"field_name": "tenant", "field_schema": {"type": "keyword", "is_tenant": True}},
    {"field_name": "document_id", "field_schema": "keyword"},
    {"field_name": "page", "field_schema": "integer"},
]


# ============================================================================
# Harness
# ============================================================================


class Failures:
    def __init__(self) -> None:
        self.items: list[str] = []
        self.section = ""

    def check(self, condition: bool, what: str, detail: Any = "") -> bool:
        if condition:
            print(f"  ok    {what}")
        else:
            self.items.append(f"[{self.section}] {what}: {detail}")
            print(f"  FAIL  {what}: {detail}")
        return condition


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One server process; its stderr goes to a log file for post-mortems."""

    def __init__(self, data: str, api_key: str | None = None, port: int | None = None, block_stop_signals: bool = False):
        self.data = data
        self.block_stop_signals = block_stop_signals
        self.api_key = api_key
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(os.path.dirname(data), f"server-{self.port}.log")
        self.process: subprocess.Popen | None = None

    def start(self) -> "Server":
        command = [sys.executable, SERVER, "--port", str(self.port), "--data", self.data]
        if self.api_key:
            command += ["--api-key", self.api_key]
        log = open(self.log_path, "ab")
        # Optionally start with SIGTERM/SIGINT blocked, as `swift test` spawns it.
        blocked = (lambda: signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})) if self.block_stop_signals else None
        self.process = subprocess.Popen(command, stdout=log, stderr=log, preexec_fn=blocked)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early, see {self.log_path}")
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not become ready, see {self.log_path}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> int | None:
        assert self.process is not None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


def raw(server: Server, method: str, path: str, body: Any = None, headers: dict | None = None) -> tuple[int, Any]:
    """One HTTP request; returns (status, parsed JSON or text)."""
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.url + path, data=data, method=method, headers=headers or {})
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if server.api_key and not headers:
        request.add_header("api-key", server.api_key)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def error_of(reply: Any) -> str:
    return reply.get("status", {}).get("error", "") if isinstance(reply, dict) else str(reply)


def client_for(server: Server) -> QdrantClient:
    # The client's own version check runs in a background thread that can race
    # a server this script stops; check_service_endpoints checks it instead.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Api key is used with an insecure connection"
        return QdrantClient(url=server.url, prefer_grpc=False, api_key=server.api_key, timeout=120, check_compatibility=False)


def unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def basis(i: int, noise: float = 0.0, rng: random.Random | None = None) -> list[float]:
    """Unit vector along axis i, optionally jittered, so nearest neighbours are known."""
    rng = rng or random.Random(i)
    return unit([(1.0 if j == i % DIM else 0.0) + rng.uniform(-noise, noise) for j in range(DIM)])


def point_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def adapter_point(tenant: str, doc: str, chunk: int, dense: list[float], terms: dict[int, float] | None) -> dict:
    vector: dict[str, Any] = {"dense": dense}
    if terms:  # the adapter omits "bm25" for a chunk without terms
        vector["bm25"] = {"indices": list(terms), "values": list(terms.values())}
    return {
        "id": point_id(f"{tenant}/{doc}/{chunk}"),
        "vector": vector,
        "payload": {
            "tenant": tenant,
            "document_id": doc,
            "chunk_id": f"{doc}#{chunk}",
            "page": chunk,
            "metadata": {"lang": "en" if chunk % 2 == 0 else "de"},
        },
    }


def tenant_filter(tenant: str, doc: str | None = None) -> dict:
    must = [{"key": "tenant", "match": {"value": tenant}}]
    if doc is not None:
        must.append({"key": "document_id", "match": {"value": doc}})
    return {"must": must}


def count(server: Server, collection: str, filter_: dict | None = None) -> int:
    status, reply = raw(server, "POST", f"/collections/{collection}/points/count", {"filter": filter_, "exact": True})
    assert status == 200, reply
    return reply["result"]["count"]


# ============================================================================
# Checks
# ============================================================================


def check_service_endpoints(f: Failures, server: Server) -> None:
    status, reply = raw(server, "GET", "/")
    f.check(status == 200 and reply.get("title") == "qdrant - vector search engine" and "result" not in reply,
            "GET / answers Qdrant's unwrapped title/version", reply)
    f.check(is_compatible(importlib.metadata.version("qdrant-client"), reply.get("version")),
            "qdrant_client accepts the reported version", reply)
    f.check(raw(server, "GET", "/healthz") == (200, "healthz check passed"), "GET /healthz")
    f.check(raw(server, "GET", "/readyz") == (200, "all shards are ready"), "GET /readyz")
    f.check(raw(server, "GET", "/no/such/route")[0] == 404, "unknown route is 404")
    f.check(raw(server, "PATCH", "/collections/x")[0] == 404, "known path with wrong method is 404")


def check_collection_lifecycle(f: Failures, server: Server, client: QdrantClient) -> None:
    created = client.create_collection(
        "life",
        vectors_config={"dense": models.VectorParams(size=DIM, distance=models.Distance.DOT)},
        sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    f.check(created is True, "client.create_collection returns True")
    f.check(client.collection_exists("life") and not client.collection_exists("absent"), "client.collection_exists")
    status, reply = raw(server, "PUT", "/collections/life", ADAPTER_CREATE)
    f.check(status == 409 and error_of(reply) == "Wrong input: Collection `life` already exists!",
            "creating an existing collection is 409 with Qdrant's message", (status, reply))
    info = client.get_collection("life")  # parses the reply into models.CollectionInfo
    params = info.config.params
    f.check(info.status == models.CollectionStatus.GREEN and info.points_count == 0, "client.get_collection parses", info)
    f.check(params.vectors["dense"].size == DIM and params.vectors["dense"].distance == models.Distance.DOT,
            "collection config echoes the dense vector", params.vectors)
    f.check(params.sparse_vectors["bm25"].modifier == models.Modifier.IDF, "collection config echoes the IDF modifier")
    status, reply = raw(server, "GET", "/collections/absent")
    f.check(status == 404 and error_of(reply) == "Not found: Collection `absent` doesn't exist!",
            "missing collection is 404 with Qdrant's message", (status, reply))
    f.check(client.delete_collection("life") is True, "client.delete_collection returns True")
    status, reply = raw(server, "DELETE", "/collections/life")
    f.check(status == 200 and reply["result"] is False, "deleting an absent collection answers result=false", reply)
    for distance in ("Cosine", "Dot", "Euclid"):
        body = {"vectors": {"v": {"size": 2, "distance": distance}}, "sparse_vectors": {"s": {}}}
        status, _ = raw(server, "PUT", f"/collections/dist_{distance}", body)
        f.check(status == 200, f"create with {distance} and a sparse vector without modifier")
        raw(server, "DELETE", f"/collections/dist_{distance}")


def check_adapter_flow(f: Failures, server: Server) -> None:
    """The adapter's exact bodies: create, indexes, upsert, count, query forms, delete."""
    f.check(raw(server, "PUT", "/collections/quarry", ADAPTER_CREATE)[0] == 200, "adapter create body accepted")
    for index in ADAPTER_INDEXES:
        status, reply = raw(server, "PUT", "/collections/quarry/index?wait=true", index)
        f.check(status == 200 and reply["result"]["status"] == "completed" and isinstance(reply["result"]["operation_id"], int),
                f"payload index {index['field_name']} created", reply)
    schema = raw(server, "GET", "/collections/quarry")[1]["result"]["payload_schema"]
    f.check(schema.get("tenant", {}).get("params") == {"type": "keyword", "is_tenant": True}
            and schema.get("page", {}).get("data_type") == "integer", "payload_schema reports the indexes", schema)

    # Tenant "t" documents d1 (3 chunks) and d2 (2 chunks); tenant "u" mirrors
    # d1 with identical vectors, so only filters can keep it out.
    points = [adapter_point("t", "d1", i, basis(i), {10 + i: 1.0, 99: 0.5}) for i in range(3)]
    points += [adapter_point("t", "d2", i, basis(3 + i), {20 + i: 1.0} if i else None) for i in range(2)]
    points += [adapter_point("u", "d1", i, basis(i), {10 + i: 1.0, 99: 0.5}) for i in range(3)]
    status, reply = raw(server, "PUT", "/collections/quarry/points?wait=true", {"points": points})
    f.check(status == 200 and reply["result"]["status"] == "completed", "adapter upsert (one point without bm25)", reply)
    f.check(count(server, "quarry") == 8, "count after upsert")
    f.check(count(server, "quarry", tenant_filter("t")) == 5, "count with tenant filter")
    f.check(count(server, "quarry", {"must": [{"key": "metadata.lang", "match": {"value": "de"}}]}) == 3,
            "count with a nested key filter (metadata.lang)")

    dense = {"query": basis(1), "using": "dense", "filter": tenant_filter("t"), "limit": 3, "with_payload": ["chunk_id", "document_id"]}
    status, reply = raw(server, "POST", "/collections/quarry/points/query", dense)
    hits = reply["result"]["points"] if status == 200 else []
    f.check(bool(hits) and hits[0]["id"] == point_id("t/d1/1") and abs(hits[0]["score"] - 1.0) < 1e-5,
            "dense query finds the nearest chunk", hits[:1])
    f.check(all(set(h["payload"]) == {"chunk_id", "document_id"} for h in hits) and all("version" in h for h in hits),
            "with_payload list returns only the listed keys", hits)
    f.check(all(h["id"] != point_id("u/d1/1") for h in hits), "tenant filter excludes the other tenant")

    sparse = {"query": {"indices": [11], "values": [1.0]}, "using": "bm25", "filter": tenant_filter("t"), "limit": 5, "with_payload": ["chunk_id"]}
    status, reply = raw(server, "POST", "/collections/quarry/points/query", sparse)
    hits = reply["result"]["points"] if status == 200 else []
    f.check([h["id"] for h in hits] == [point_id("t/d1/1")], "sparse query matches the chunk holding the term", hits)

    hybrid = {
        "prefetch": [
            {"query": basis(2), "using": "dense", "filter": tenant_filter("t"), "limit": 100},
            {"query": {"indices": [12], "values": [1.0]}, "using": "bm25", "filter": tenant_filter("t"), "limit": 100},
        ],
        "query": {"rrf": {"k": 60}},
        "limit": 3,
        "with_payload": ["chunk_id", "document_id"],
    }
    status, reply = raw(server, "POST", "/collections/quarry/points/query", hybrid)
    hits = reply["result"]["points"] if status == 200 else []
    # First in both lists: Qdrant's RRF gives 1/(rank + k) per list, rank from 0.
    f.check(bool(hits) and hits[0]["id"] == point_id("t/d1/2") and abs(hits[0]["score"] - 2 / 60) < 1e-6,
            "hybrid RRF k=60 fuses to 2/60 for the chunk first in both lists", hits[:1])
    for query in ({"fusion": "rrf"}, {"fusion": "dbsf"}):
        body = dict(hybrid, query=query, filter=tenant_filter("t"))
        status, reply = raw(server, "POST", "/collections/quarry/points/query", body)
        hits = reply["result"]["points"] if status == 200 else []
        f.check(bool(hits) and hits[0]["id"] == point_id("t/d1/2"), f"hybrid {query} with a top-level filter", reply)
    status, reply = raw(server, "POST", "/collections/quarry/points/query", dict(hybrid, query={"fusion": "rrf"}))
    f.check(status == 200 and abs(reply["result"]["points"][0]["score"] - 1.0) < 1e-6,
            "{fusion: rrf} uses Qdrant's default k=2 (top score 2 * 1/2)", reply)

    batch = {"searches": [dense, sparse, hybrid]}
    status, reply = raw(server, "POST", "/collections/quarry/points/query/batch", batch)
    f.check(status == 200 and len(reply["result"]) == 3 and all("points" in r for r in reply["result"]),
            "query/batch answers one result per search", reply)

    status, reply = raw(server, "POST", "/collections/quarry/points/query", {"query": basis(0), "using": "dense", "limit": 2})
    f.check(status == 200 and all("payload" not in h for h in reply["result"]["points"]),
            "without with_payload the payload key is omitted, as Qdrant does", reply)
    status, reply = raw(server, "POST", "/collections/quarry/points/query",
                        {"query": basis(0), "using": "dense", "limit": 1, "with_payload": True})
    f.check(status == 200 and reply["result"]["points"][0]["payload"]["metadata"] == {"lang": "en"},
            "with_payload true returns the full payload", reply)

    status, reply = raw(server, "POST", "/collections/quarry/points/count",
                        {"filter": {"must": [{"key": "document_id", "match": {"any": ["d1", "d2"]}}],
                                    "must_not": [{"key": "tenant", "match": {"value": "u"}}],
                                    "should": [{"key": "page", "match": {"value": 0}}, {"key": "page", "match": {"value": 1}}]},
                         "exact": True})
    f.check(status == 200 and reply["result"]["count"] == 4, "match any / must_not / should (int values)", reply)

    # Delete by filter removes exactly tenant t's d1.
    before_u = count(server, "quarry", tenant_filter("u", "d1"))
    before_d2 = count(server, "quarry", tenant_filter("t", "d2"))
    status, reply = raw(server, "POST", "/collections/quarry/points/delete?wait=true", {"filter": tenant_filter("t", "d1")})
    f.check(status == 200 and reply["result"]["status"] == "completed", "adapter delete-by-filter body", reply)
    f.check(count(server, "quarry", tenant_filter("t", "d1")) == 0, "delete by filter removed the document")
    f.check(count(server, "quarry", tenant_filter("u", "d1")) == before_u == 3
            and count(server, "quarry", tenant_filter("t", "d2")) == before_d2 == 2,
            "delete by filter kept the other tenant's same-named document and the other document")
    status, _ = raw(server, "POST", "/collections/quarry/points/delete", {"points": [point_id("t/d2/0")]})
    f.check(status == 200 and count(server, "quarry") == 4, "delete by ids")


def check_client_flow(f: Failures, client: QdrantClient) -> None:
    """qdrant_client end to end: indexes, upsert, replace by id, IDF, RRF with filters."""
    client.create_collection(
        "cl",
        vectors_config={"dense": models.VectorParams(size=DIM, distance=models.Distance.COSINE)},
        sparse_vectors_config={"bm25": models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    result = client.create_payload_index("cl", "tenant", models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True))
    f.check(result.status == models.UpdateStatus.COMPLETED, "client.create_payload_index (keyword, is_tenant)")
    client.create_payload_index("cl", "page", models.PayloadSchemaType.INTEGER)

    # IDF: term 1 is in every document with a high weight, term 2 only in
    # "rare". Without IDF the common documents win (2.0 > 1.0); with IDF the
    # rare term's weight dominates.
    def sparse_docs(tenant: str, offset: int) -> list[models.PointStruct]:
        docs = [models.PointStruct(id=offset + i, vector={"dense": basis(i), "bm25": models.SparseVector(indices=[1], values=[2.0])},
                                   payload={"tenant": tenant, "page": i, "name": f"common{i}"}) for i in range(10)]
        docs.append(models.PointStruct(id=offset + 10, vector={"dense": basis(5), "bm25": models.SparseVector(indices=[2], values=[1.0])},
                                       payload={"tenant": tenant, "page": 10, "name": "rare"}))
        return docs

    result = client.upsert("cl", sparse_docs("a", 0) + sparse_docs("b", 100), wait=True)
    f.check(result.status == models.UpdateStatus.COMPLETED, "client.upsert")
    f.check(client.count("cl", exact=True).count == 22, "client.count")
    query = models.SparseVector(indices=[1, 2], values=[1.0, 1.0])
    tenant_a = models.Filter(must=[models.FieldCondition(key="tenant", match=models.MatchValue(value="a"))])
    hits = client.query_points("cl", query=query, using="bm25", query_filter=tenant_a, limit=3, with_payload=True).points
    f.check(bool(hits) and hits[0].payload["name"] == "rare", "sparse query with IDF ranks the rare-term document first",
            [(h.payload["name"], h.score) for h in hits])
    f.check(all(h.payload["tenant"] == "a" for h in hits), "client query filter excludes the other tenant")

    client.create_collection("cl_noidf", sparse_vectors_config={"bm25": models.SparseVectorParams()})
    client.upsert("cl_noidf", [models.PointStruct(id=p.id, vector={"bm25": p.vector["bm25"]}, payload=p.payload) for p in sparse_docs("a", 0)])
    hits = client.query_points("cl_noidf", query=query, using="bm25", limit=1, with_payload=True).points
    f.check(bool(hits) and hits[0].payload["name"] != "rare", "the same query without the IDF modifier does not (control)",
            [(h.payload["name"], h.score) for h in hits])

    # Upserting the same id twice keeps one point, with the latest payload.
    replacement = models.PointStruct(id=3, vector={"dense": basis(3)}, payload={"tenant": "a", "page": 3, "name": "replaced"})
    client.upsert("cl", [replacement])
    client.upsert("cl", [replacement])
    replaced = models.Filter(must=[models.FieldCondition(key="name", match=models.MatchValue(value="replaced"))])
    f.check(client.count("cl", exact=True).count == 22 and client.count("cl", count_filter=replaced).count == 1,
            "upserting an existing id twice replaces it (one point)")

    hits = client.query_points("cl", query=basis(4), using="dense", query_filter=tenant_a, limit=1).points
    f.check(bool(hits) and hits[0].id == 4, "client dense query", hits)

    hits = client.query_points(
        "cl",
        prefetch=[
            models.Prefetch(query=basis(5), using="dense", filter=tenant_a, limit=20),
            models.Prefetch(query=query, using="bm25", filter=tenant_a, limit=20),
        ],
        query=models.RrfQuery(rrf=models.Rrf(k=60)),
        limit=5,
        with_payload=["name", "tenant"],
    ).points
    f.check(bool(hits) and hits[0].payload["name"] == "rare" and all(h.payload["tenant"] == "a" for h in hits),
            "client prefetch + RRF with filters", [(h.payload, h.score) for h in hits])
    hits = client.query_points(
        "cl",
        prefetch=[models.Prefetch(query=basis(5), using="dense", limit=20), models.Prefetch(query=query, using="bm25", limit=20)],
        query=models.FusionQuery(fusion=models.Fusion.DBSF),
        query_filter=models.Filter(must=[models.FieldCondition(key="page", match=models.MatchAny(any=[5, 10]))]),
        limit=5,
    ).points
    f.check({h.id for h in hits} <= {5, 10, 105, 110} and len(hits) > 0, "client DBSF with a top-level filter", hits)

    result = client.delete("cl", models.FilterSelector(filter=models.Filter(must=[models.FieldCondition(key="tenant", match=models.MatchValue(value="b"))])))
    f.check(result.status == models.UpdateStatus.COMPLETED and client.count("cl").count == 11, "client.delete by filter")
    client.delete("cl", models.PointIdsList(points=[0, 1]))
    f.check(client.count("cl").count == 9, "client.delete by ids")


def check_bad_requests(f: Failures, server: Server) -> None:
    raw(server, "PUT", "/collections/bad", ADAPTER_CREATE)
    extra = {"bogus": 1}
    bodies = {
        ("PUT", "/collections/bad2"): dict(ADAPTER_CREATE, **extra),
        ("PUT", "/collections/bad/index"): dict(ADAPTER_INDEXES[0], **extra),
        ("PUT", "/collections/bad/points"): {"points": [{"id": 1, "vector": {"dense": basis(0)}, **extra}]},
        ("POST", "/collections/bad/points/delete"): {"filter": {"must": [{"key": "a", "match": {"value": 1, **extra}}]}},
        ("POST", "/collections/bad/points/count"): {"exact": True, **extra},
        ("POST", "/collections/bad/points/query"): {"query": basis(0), "using": "dense", **extra},
        ("POST", "/collections/bad/points/query/batch"): {"searches": [{"query": basis(0), **extra}]},
    }
    for (method, path), body in bodies.items():
        status, reply = raw(server, method, path, body)
        f.check(status == 400 and error_of(reply).startswith("Format error in JSON body:") and "bogus" in error_of(reply),
                f"unknown field in {method} {path} is 400", (status, reply))
    status, reply = raw(server, "POST", "/collections/bad/points/query", b'{"query": [1,')
    f.check(status == 400 and error_of(reply).startswith("Format error in JSON body:"), "invalid JSON is 400", reply)
    status, reply = raw(server, "PUT", "/collections/bad/points", {"points": [{"id": 1, "vector": {"dense": [1.0, 2.0, 3.0]}}]})
    f.check(status == 400 and error_of(reply) == f"Wrong input: Vector dimension error: expected dim: {DIM}, got 3",
            "wrong vector size is 400 with Qdrant's message", reply)
    status, reply = raw(server, "PUT", "/collections/bad/points",
                        {"points": [{"id": 1, "vector": {"dense": basis(0), "bm25": {"indices": [1, 2], "values": [1.0]}}}]})
    f.check(status == 422 and "same length" in error_of(reply), "sparse indices/values length mismatch is 422", reply)
    status, reply = raw(server, "PUT", "/collections/bad/points", {"points": [{"id": "not-a-uuid", "vector": {"dense": basis(0)}}]})
    f.check(status == 400 and "not a valid point ID" in error_of(reply), "a non-UUID string id is 400", reply)
    status, reply = raw(server, "POST", "/collections/bad/points/query", {"query": basis(0), "using": "nope"})
    f.check(status == 400 and "Not existing vector name" in error_of(reply), "unknown vector name is 400", reply)
    status, reply = raw(server, "POST", "/collections/bad/points/query", {"query": {"recommend": {"positive": [1]}}})
    f.check(status == 501, "a valid but untranslated query is 501, never approximated", reply)
    status, reply = raw(server, "POST", "/collections/missing/points/count", {})
    f.check(status == 404, "points endpoint on a missing collection is 404", reply)
    f.check(raw(server, "GET", "/healthz")[0] == 200 and count(server, "bad") == 0, "server still serving after bad input")
    raw(server, "DELETE", "/collections/bad")


def check_other_forms(f: Failures, server: Server) -> None:
    """Qdrant forms the adapter does not send today but a test may: unnamed vector, batch upsert."""
    raw(server, "PUT", "/collections/plain", {"vectors": {"size": 2, "distance": "Dot"}})
    body = {"batch": {"ids": [1, 2, 3], "vectors": [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], "payloads": [{"n": 1}, {"n": 2}, {"n": 3}]}}
    f.check(raw(server, "PUT", "/collections/plain/points", body)[0] == 200, "batch (column) upsert form")
    status, reply = raw(server, "POST", "/collections/plain/points/query",
                        {"query": [1.0, 0.0], "limit": 1, "with_vector": True, "with_payload": {"exclude": ["n"]}})
    f.check(status == 200 and reply["result"]["points"][0]["vector"] == [1.0, 0.0] and reply["result"]["points"][0]["payload"] == {},
            "unnamed vector query; with_vector gives a bare list; payload exclude", reply)
    raw(server, "PUT", "/collections/plain/points", {"points": [{"id": 1, "vector": [9.0, 9.0], "payload": {"n": 9}}], "update_mode": "insert_only"})
    status, reply = raw(server, "POST", "/collections/plain/points/count", {"filter": {"must": [{"key": "n", "range": {"gte": 9}}]}})
    f.check(status == 200 and reply["result"]["count"] == 0, "update_mode insert_only keeps the existing point", reply)
    status, reply = raw(server, "POST", "/collections/plain/points/query", {"query": [1.0, 0.0], "limit": 0})
    f.check(status == 422 and "limit" in error_of(reply), "limit 0 is a 422 validation error", reply)
    status, reply = raw(server, "PUT", "/collections/tuned", {"vectors": {"size": 2, "distance": "Dot", "hnsw_config": {"m": 4}}})
    f.check(status == 501 and not raw(server, "GET", "/collections/tuned/exists")[1]["result"]["exists"],
            "untranslated create options are 501 and create nothing", reply)
    raw(server, "DELETE", "/collections/plain")


def check_concurrency(f: Failures, server: Server) -> None:
    raw(server, "PUT", "/collections/conc", ADAPTER_CREATE)
    errors: list[Any] = []

    def writer(w: int) -> None:
        for batch in range(10):
            points = [adapter_point(f"w{w}", f"d{batch}", i, basis(i, 0.3), {i: 1.0}) for i in range(20)]
            status, reply = raw(server, "PUT", "/collections/conc/points", {"points": points})
            if status != 200:
                errors.append(reply)

    def reader() -> None:
        for _ in range(30):
            status, reply = raw(server, "POST", "/collections/conc/points/query", {"query": basis(1), "using": "dense", "limit": 5})
            if status != 200:
                errors.append(reply)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(3)] + [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    f.check(not errors and count(server, "conc") == 600, "concurrent writers and readers", errors[:2])


def check_restart(f: Failures, tmp: str) -> None:
    data = os.path.join(tmp, "restart-data")
    server = Server(data).start()
    raw(server, "PUT", "/collections/keep", ADAPTER_CREATE)
    for index in ADAPTER_INDEXES:
        raw(server, "PUT", "/collections/keep/index", index)
    points = [adapter_point("t", f"d{i // 10}", i, basis(i, 0.2), {i: 1.0}) for i in range(50)]
    raw(server, "PUT", "/collections/keep/points", {"points": points})
    info_before = raw(server, "GET", "/collections/keep")[1]["result"]
    f.check(server.stop(signal.SIGTERM) == 0, "SIGTERM stops the server with exit code 0")
    server = Server(data, port=server.port).start()
    info_after = raw(server, "GET", "/collections/keep")[1]["result"]
    f.check(info_after["points_count"] == 50, "restart keeps the points", info_after["points_count"])
    f.check(info_after["config"] == info_before["config"], "restart keeps the collection config")
    f.check({k: v["data_type"] for k, v in info_after["payload_schema"].items()} == {"tenant": "keyword", "document_id": "keyword", "page": "integer"},
            "restart keeps the payload indexes", info_after["payload_schema"])
    status, reply = raw(server, "POST", "/collections/keep/points/query",
                        {"query": points[7]["vector"]["dense"], "using": "dense", "limit": 1})
    f.check(status == 200 and reply["result"]["points"][0]["id"] == points[7]["id"], "queries work after restart", reply)
    f.check(server.stop(signal.SIGINT) == 0, "SIGINT stops the server with exit code 0")
    server = Server(data, port=server.port, block_stop_signals=True).start()
    f.check(server.stop(signal.SIGTERM, timeout=10) == 0, "SIGTERM stops a server spawned with SIGTERM blocked")

    # SIGKILL mid-ingest: every acknowledged batch must survive (WAL replay).
    server = Server(data, port=server.port).start()
    acked = [0]
    stop = threading.Event()

    def ingest() -> None:
        batch = 0
        while not stop.is_set():
            points = [adapter_point("k", f"b{batch}", i, basis(i, 0.2), {i: 1.0}) for i in range(16)]
            try:
                status, _ = raw(server, "PUT", "/collections/keep/points?wait=true", {"points": points})
            except OSError:
                return
            if status == 200:
                acked[0] += 16
            batch += 1

    thread = threading.Thread(target=ingest)
    thread.start()
    time.sleep(1.5)
    server.stop(signal.SIGKILL)
    stop.set()
    thread.join()
    server = Server(data, port=server.port).start()
    survived = count(server, "keep", {"must": [{"key": "tenant", "match": {"value": "k"}}]})
    f.check(acked[0] > 0 and acked[0] <= survived <= acked[0] + 16,
            "after SIGKILL mid-ingest every acknowledged point survives", f"acked={acked[0]} survived={survived}")
    server.stop()


def check_api_key(f: Failures, tmp: str) -> None:
    server = Server(os.path.join(tmp, "key-data"), api_key="s3cret").start()
    status, reply = raw(server, "GET", "/collections/x/exists", headers={"x": "y"})
    f.check(status == 401 and reply == "Must provide an API key or an Authorization bearer token", "missing key is 401", (status, reply))
    status, reply = raw(server, "GET", "/collections/x/exists", headers={"api-key": "wrong"})
    f.check(status == 401 and reply == "Invalid API key or JWT", "wrong key is 401 (as real Qdrant)", (status, reply))
    f.check(raw(server, "GET", "/collections/x/exists", headers={"api-key": "s3cret"})[0] == 200, "api-key header accepted")
    f.check(raw(server, "GET", "/collections/x/exists", headers={"Authorization": "Bearer s3cret"})[0] == 200, "Bearer token accepted")
    for path in ("/", "/healthz", "/readyz"):
        f.check(raw(server, "GET", path, headers={"x": "y"})[0] == 200, f"{path} needs no key")
    client = client_for(server)
    client.create_collection("k", vectors_config={"dense": models.VectorParams(size=DIM, distance=models.Distance.COSINE)})
    f.check(client.collection_exists("k"), "qdrant_client with api_key works")
    server.stop()


def check_bulk_timing(f: Failures, server: Server) -> None:
    """5,000 chunks of 384-d in batches of 64, as the adapter ingests them."""
    body = dict(ADAPTER_CREATE, vectors={"dense": {"size": 384, "distance": "Cosine"}})
    raw(server, "PUT", "/collections/bulk", body)
    for index in ADAPTER_INDEXES:
        raw(server, "PUT", "/collections/bulk/index", index)
    rng = random.Random(7)
    total, batch_size = 5000, 64
    points = []
    for i in range(total):
        terms = {t: round(rng.uniform(0.5, 3.0), 3) for t in sorted(rng.sample(range(30000), 30))}
        point = adapter_point(f"t{i % 3}", f"d{i // 40}", i, unit([rng.gauss(0, 1) for _ in range(384)]), terms)
        points.append(point)
    bodies = [json.dumps({"points": points[i:i + batch_size]}).encode() for i in range(0, total, batch_size)]
    started = time.perf_counter()
    slowest = 0.0
    for data in bodies:
        t0 = time.perf_counter()
        status, reply = raw(server, "PUT", "/collections/bulk/points?wait=true", data)
        slowest = max(slowest, time.perf_counter() - t0)
        if status != 200:
            f.check(False, "bulk upsert batch", reply)
            return
    elapsed = time.perf_counter() - started
    print(f"  info  {total} x 384-d in batches of {batch_size}: {elapsed:.2f}s "
          f"({total / elapsed:.0f} points/s, slowest batch {slowest:.2f}s)")
    f.check(count(server, "bulk") == total, "bulk upsert stored every point")
    f.check(elapsed < 120, "bulk upsert in reasonable time (< 120 s)", f"{elapsed:.1f}s")
    query = {"prefetch": [{"query": points[123]["vector"]["dense"], "using": "dense", "filter": tenant_filter("t0"), "limit": 100},
                          {"query": points[123]["vector"]["bm25"], "using": "bm25", "filter": tenant_filter("t0"), "limit": 100}],
             "query": {"rrf": {"k": 60}}, "limit": 10, "with_payload": ["chunk_id"]}
    t0 = time.perf_counter()
    status, reply = raw(server, "POST", "/collections/bulk/points/query", query)
    print(f"  info  hybrid query over {total} points: {(time.perf_counter() - t0) * 1000:.1f} ms")
    f.check(status == 200 and reply["result"]["points"][0]["id"] == points[123]["id"], "hybrid query finds the chunk among 5,000", reply)


# ============================================================================


def print_server_logs(tmp: str, lines: int = 30) -> None:
    for name in sorted(os.listdir(tmp)):
        if name.startswith("server-") and name.endswith(".log"):
            with open(os.path.join(tmp, name), errors="replace") as handle:
                tail = handle.readlines()[-lines:]
            print(f"\n--- last {len(tail)} lines of {name}")
            print("".join(tail), end="")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-timing", action="store_true", help="skip the 5,000-point timing check")
    args = parser.parse_args()

    failures = Failures()
    with tempfile.TemporaryDirectory(prefix="qdrant-edge-check-") as tmp:
        server = Server(os.path.join(tmp, "data")).start()
        client = client_for(server)
        sections: list[tuple[str, Callable[[], None]]] = [
            ("service endpoints", lambda: check_service_endpoints(failures, server)),
            ("collection lifecycle (qdrant_client)", lambda: check_collection_lifecycle(failures, server, client)),
            ("adapter request bodies (raw HTTP)", lambda: check_adapter_flow(failures, server)),
            ("qdrant_client flow", lambda: check_client_flow(failures, client)),
            ("bad requests", lambda: check_bad_requests(failures, server)),
            ("other request forms", lambda: check_other_forms(failures, server)),
            ("concurrency", lambda: check_concurrency(failures, server)),
        ]
        if not args.skip_timing:
            sections.append(("bulk upsert timing", lambda: check_bulk_timing(failures, server)))
        sections += [
            ("restart and crash recovery", lambda: check_restart(failures, tmp)),
            ("api key", lambda: check_api_key(failures, tmp)),
        ]
        for title, run in sections:
            print(f"== {title}")
            failures.section = title
            try:
                run()
            except Exception as exc:  # a crashed check is a failed check
                failures.check(False, "check raised", repr(exc))
        exit_code = server.stop()
        failures.section = "shutdown"
        failures.check(exit_code == 0, "server exits cleanly on SIGTERM", exit_code)
        if failures.items:
            print_server_logs(tmp)  # the temporary directory goes away on return
            print(f"\n{len(failures.items)} check(s) FAILED:")
            for item in failures.items:
                print(f"  - {item}")
            return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
